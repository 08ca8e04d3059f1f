import { describe, expect, it } from "vitest";
import { loadLocaleResources } from "../../../src/i18n.js";

/** key → string, flattened ("a.b.c"). */
function flatten(tree: unknown, prefix = ""): Record<string, unknown> {
  if (typeof tree !== "object" || tree === null) return { [prefix]: tree };
  return Object.assign({}, ...Object.entries(tree).map(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k)));
}

const placeholders = (text: string) => [...text.matchAll(/{{\s*(\w+)\s*}}/g)].map((m) => m[1]).sort();

describe("the rating, roles and volunteers strings", () => {
  const resources = loadLocaleResources();
  for (const file of ["rating", "roles", "volunteers"]) {
    it(`${file}.json has the same keys and placeholders in Khmer and English, none empty`, () => {
      const km = flatten(resources.km[file]);
      const en = flatten(resources.en[file]);
      expect(Object.keys(km).sort()).toEqual(Object.keys(en).sort());
      for (const [key, value] of Object.entries(km)) {
        expect(typeof value === "string" && value.trim() !== "", `km ${file}.${key}`).toBe(true);
        expect(typeof en[key] === "string" && (en[key] as string).trim() !== "", `en ${file}.${key}`).toBe(true);
        expect(placeholders(value as string), `${file}.${key}`).toEqual(placeholders(en[key] as string));
      }
    });
  }
});
