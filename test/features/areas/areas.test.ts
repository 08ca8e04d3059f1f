import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { areas } from "../../../src/db/schema/index.js";
import { childAreas, findArea, findAreaWithPath, forgetAreas, searchAreas } from "../../../src/features/areas/areas.js";
import { importUnits } from "../../../src/features/areas/import.js";
import { placeName } from "../../../src/features/areas/names.js";
import { areaSearchText, normaliseForSearch } from "../../../src/features/areas/normalise.js";
import { communes, districts, seedSmallGazetteer } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";

const env = useTestEnvironment();
beforeAll(() => seedSmallGazetteer(env.db));

const codes = (list: readonly { code: string }[]) => list.map((a) => a.code);

describe("normalising names for search", () => {
  it("treats coeng TA and coeng DA, zero-width spaces and spacing as the same", () => {
    expect(normaliseForSearch("កណ្ដាល")).toBe(normaliseForSearch("កណ្តាល"));
    expect(normaliseForSearch("កណ្\u200Bតា ល")).toBe(normaliseForSearch("កណ្តាល"));
  });

  it("maps popular Latin spellings, accents and unit words onto the NCDD form", () => {
    expect(normaliseForSearch("Prek Chrey")).toBe(normaliseForSearch("Preaek Chrey"));
    expect(normaliseForSearch("PHNOM penh")).toBe(normaliseForSearch("Phnum Penh"));
    expect(normaliseForSearch("Koh Kong")).toBe(normaliseForSearch("Kaoh Kong"));
    expect(normaliseForSearch("Takeo")).toBe(normaliseForSearch("Takéo"));
    expect(normaliseForSearch("Khum Ta Phou")).toBe(normaliseForSearch("Ta Phou"));
    expect(normaliseForSearch("ឃុំតាផូ")).toBe(normaliseForSearch("តាផូ"));
    // A unit word alone is a search for names containing it, not nothing.
    expect(normaliseForSearch("srok")).toBe("srok");
  });

  it("reads numbered communes written with digits or words alike", () => {
    expect(normaliseForSearch("Tuol Tumpung Ti Pir")).toBe(normaliseForSearch("toul tumpung 2"));
    expect(normaliseForSearch("ផ្សារថ្មីទី ១")).toBe(normaliseForSearch("ផ្សារថ្មី1"));
  });

  it("stores both names, Khmer then Latin", () => {
    expect(areaSearchText("ពន្លៃ", "Ponley")).toBe("ពន្លៃ ponley");
  });
});

describe("area queries", () => {
  it("lists the provinces, and the children of an area sorted by code", async () => {
    expect(codes(await childAreas(env.db, null))).toEqual(["01", "08", "12", "21"]);
    expect(codes(await childAreas(env.db, "08"))).toEqual(["0801", "0812"]);
    const communesOfSvayChek = await childAreas(env.db, districts.svayChek);
    expect(communesOfSvayChek).toHaveLength(8);
    expect(codes(communesOfSvayChek)).toEqual([...codes(communesOfSvayChek)].sort());
  });

  it("finds an area by code, with the areas above it", async () => {
    expect((await findArea(env.db, communes.taPhou))?.nameEn).toBe("Ta Phou");
    expect(await findArea(env.db, "999999")).toBeUndefined();
    expect(await findArea(env.db, "01'; drop table areas; --")).toBeUndefined();
    const taPhou = await findAreaWithPath(env.db, communes.taPhou);
    expect(taPhou?.path.map((a) => a.code)).toEqual(["01", "0108"]);
    expect(placeName(taPhou!, "km")).toBe("ឃុំតាផូ ស្រុកស្វាយចេក ខេត្តបន្ទាយមានជ័យ");
    expect(placeName(taPhou!, "en")).toBe("Khum Ta Phou, Srok Svay Chek, Banteay Meanchey");
  });

  it("keeps areas read by code, and lists of children, in the process until an import changes the gazetteer, and finds a new area at once", async () => {
    expect((await findArea(env.db, communes.treas))?.nameEn).toBe("Treas");
    // Changed behind the process's back (another process's import): the copy at hand is still used…
    await env.db.update(areas).set({ nameEn: "Treas (renamed)" }).where(eq(areas.code, communes.treas));
    expect((await findArea(env.db, communes.treas))?.nameEn).toBe("Treas");
    // …until an import in this process, which drops it.
    await importUnits(env.db, new TextEncoder().encode("code,level,unit_km,unit_latin,unit_en\n"));
    expect((await findArea(env.db, communes.treas))?.nameEn).toBe("Treas (renamed)");
    await env.db.update(areas).set({ nameEn: "Treas" }).where(eq(areas.code, communes.treas));
    forgetAreas(env.db);

    // The lists of children likewise.
    expect((await childAreas(env.db, districts.svayChek)).find((a) => a.code === communes.treas)?.nameEn).toBe("Treas");
    await env.db.update(areas).set({ nameEn: "Treas (renamed)" }).where(eq(areas.code, communes.treas));
    expect((await childAreas(env.db, districts.svayChek)).find((a) => a.code === communes.treas)?.nameEn).toBe("Treas");
    forgetAreas(env.db);
    expect((await childAreas(env.db, districts.svayChek)).find((a) => a.code === communes.treas)?.nameEn).toBe("Treas (renamed)");
    await env.db.update(areas).set({ nameEn: "Treas" }).where(eq(areas.code, communes.treas));
    forgetAreas(env.db);

    // An unknown code is not remembered: once imported, it is found.
    expect(await findArea(env.db, "01080799")).toBeUndefined();
    await env.db.insert(areas).values({ code: "01080799", level: "village", parentCode: communes.treas, nameKm: "ភូមិថ្មី", nameEn: "Phum Thmei", searchText: areaSearchText("ភូមិថ្មី", "Phum Thmei") });
    expect((await findAreaWithPath(env.db, "01080799"))?.path.map((a) => a.code)).toEqual(["01", "0108", communes.treas]);
    // Nor is an empty list: the commune's first village is listed at once.
    expect(codes(await childAreas(env.db, communes.treas))).toEqual(["01080799"]);
  });
});

describe("searching areas by name", () => {
  it("finds Kandal in Khmer whichever coeng is typed, the province (exact) before the district (prefix)", async () => {
    for (const typed of ["កណ្តាល", "កណ្ដាល"]) {
      const found = await searchAreas(env.db, typed);
      expect(codes(found).slice(0, 2)).toEqual(["08", "0801"]);
      expect(found.map((m) => m.rank).slice(0, 2)).toEqual(["exact", "prefix"]);
    }
    // The district is spelled with coeng DA in the fixture; typed with coeng TA it is still exact.
    const district = await searchAreas(env.db, "កណ្តាលស្ទឹង");
    expect(codes(district)).toEqual(["0801"]);
    expect(district[0]!.rank).toBe("exact");
  });

  it("finds a commune by a popular Latin spelling", async () => {
    const found = await searchAreas(env.db, "Prek Chrey");
    expect(codes(found)).toEqual([communes.preaekChrey]);
    expect(found[0]!.path.map((a) => a.code)).toEqual(["08", districts.sampeouPoun]);
  });

  it("ranks exact, then prefix, then substring", async () => {
    const found = await searchAreas(env.db, "Kandal");
    const ranks = found.map((m) => m.rank);
    expect(ranks[0]).toBe("exact");
    expect([...ranks].sort((a, b) => order(a) - order(b))).toEqual(ranks);
  });

  it("returns every commune of the same name, in different provinces", async () => {
    const found = await searchAreas(env.db, "Ponley");
    expect(codes(found)).toEqual([communes.ponleyBmc, communes.ponleyTakeo]);
  });

  it("restricts to a level and to inside an area", async () => {
    expect(codes(await searchAreas(env.db, "Kandal", { levels: ["province"] }))).toEqual(["08"]);
    expect(codes(await searchAreas(env.db, "Ponley", { within: "21" }))).toEqual([communes.ponleyTakeo]);
    expect(await searchAreas(env.db, "Ponley", { within: "x" })).toEqual([]);
  });

  it("falls back to similar names for a typing slip, and finds nothing for nonsense", async () => {
    const slip = await searchAreas(env.db, "Preaek Chreey");
    expect(slip[0]?.code).toBe(communes.preaekChrey);
    expect(slip[0]?.rank).toBe("similar");
    expect(await searchAreas(env.db, "zzqx")).toEqual([]);
    expect(await searchAreas(env.db, "%_%")).toEqual([]);
    expect(await searchAreas(env.db, "   ")).toEqual([]);
  });
});

function order(rank: string): number {
  return ["exact", "prefix", "substring", "similar"].indexOf(rank);
}
