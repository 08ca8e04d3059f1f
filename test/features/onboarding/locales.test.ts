import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadLocaleResources } from "../../../src/i18n.js";

const mine = ["areas", "onboarding", "profile", "settings", "ui"];
const resources = loadLocaleResources();
const sourceDirs = ["src/features/areas", "src/features/onboarding", "src/features/settings", "src/features/ui"];

describe("strings of onboarding, areas and settings", () => {
  it("have the same keys in Khmer and English, none empty", () => {
    for (const file of mine) {
      const km = resources.km[file] as Record<string, string>;
      const en = resources.en[file] as Record<string, string>;
      expect(Object.keys(km).sort(), file).toEqual(Object.keys(en).sort());
      for (const [key, value] of [...Object.entries(km), ...Object.entries(en)]) expect(value.trim(), `${file}.${key}`).not.toBe("");
    }
  });

  it("cover every key the code asks for", () => {
    const used = new Set<string>();
    for (const dir of sourceDirs) {
      for (const name of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
        const source = readFileSync(join(dir, name), "utf8");
        for (const [, key] of source.matchAll(/"((?:areas|onboarding|profile|settings|ui|common|commands)\.[a-z_0-9]+)"/g)) used.add(key!);
      }
    }
    expect(used.size).toBeGreaterThan(40);
    for (const key of used) {
      const [file, name] = key.split(".") as [string, string];
      for (const lang of ["km", "en"] as const) expect((resources[lang][file] as Record<string, string> | undefined)?.[name], `${lang} ${key}`).toBeTruthy();
    }
  });
});
