/** How areas are named to people, in their language, with unit words where known. */
import type { Language } from "../../i18n.js";
import type { Area, AreaWithPath } from "./areas.js";

/**
 * A button-sized label: "ស្រុកស្វាយចេក" / "Srok Svay Chek" for districts and
 * communes (the unit word tells a khan from a srok, a sangkat from a khum);
 * provinces by name alone, which everyone knows.
 */
export function areaLabel(area: Pick<Area, "level" | "nameKm" | "nameEn" | "unitKm" | "unitEn">, lang: Language): string {
  if (area.level === "province") return lang === "km" ? area.nameKm : area.nameEn;
  if (lang === "km") return `${area.unitKm ?? ""}${area.nameKm}`;
  return area.unitEn ? `${area.unitEn} ${area.nameEn}` : area.nameEn;
}

/** The province written in full in Khmer (ខេត្តកណ្តាល, រាជធានីភ្នំពេញ), as addresses do. */
function provinceInFull(area: Area, lang: Language): string {
  return lang === "km" ? `${area.unitKm ?? ""}${area.nameKm}` : area.nameEn;
}

/**
 * The whole place, smallest first: "ឃុំតាផូ ស្រុកស្វាយចេក ខេត្តបន្ទាយមានជ័យ" /
 * "Khum Ta Phou, Srok Svay Chek, Banteay Meanchey".
 */
export function placeName(area: AreaWithPath, lang: Language): string {
  const parts = [area, ...[...area.path].reverse()].map((a) => (a.level === "province" ? provinceInFull(a, lang) : areaLabel(a, lang)));
  return parts.join(lang === "km" ? " " : ", ");
}

/** A search result on a button: the name, then where it is ("ឃុំពន្លៃ · ស្រុកភ្នំស្រុក · បន្ទាយមានជ័យ"). */
export function matchLabel(area: AreaWithPath, lang: Language): string {
  return [area, ...[...area.path].reverse()].map((a) => areaLabel(a, lang)).join(" · ");
}
