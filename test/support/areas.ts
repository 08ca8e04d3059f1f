/** Seeds the small real gazetteer fixture (4 provinces, 8 districts, 68 communes). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Database } from "../../src/db/client.js";
import { areas, type AreaLevel } from "../../src/db/schema/index.js";
import { areaSearchText } from "../../src/features/areas/normalise.js";

export const fixturePath = fileURLToPath(new URL("../fixtures/gazetteer-small.csv", import.meta.url));

export async function seedSmallGazetteer(db: Database): Promise<void> {
  const [, ...lines] = readFileSync(fixturePath, "utf8").trim().split("\n");
  const rows = lines.map((line) => {
    const [code, level, parentCode, nameKm, nameEn, unitKm, unitEn] = line.split(",");
    return {
      code: code!,
      level: level as AreaLevel,
      parentCode: parentCode || null,
      nameKm: nameKm!,
      nameEn: nameEn!,
      unitKm: unitKm || null,
      unitEn: unitEn || null,
      searchText: areaSearchText(nameKm!, nameEn!),
    };
  });
  await db.insert(areas).values(rows).onConflictDoNothing();
}

/** Communes of the fixture that tests use by name. */
export const communes = {
  taPhou: "010806", // Svay Chek, Banteay Meanchey
  treas: "010807",
  ponleyBmc: "010303", // Phnum Srok, Banteay Meanchey
  ponleyTakeo: "210104", // Angkor Borei, Takeo
  preaekChrey: "081202", // Krong Sampeou Poun, Kandal
} as const;
export const districts = { svayChek: "0108", angkorBorei: "2101", sampeouPoun: "0812" } as const;
