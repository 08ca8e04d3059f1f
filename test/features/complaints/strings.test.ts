import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadLocaleResources } from "../../../src/i18n.js";

function keys(tree: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree as Record<string, unknown>)) {
    if (v && typeof v === "object") for (const [kk, vv] of keys(v, `${prefix}${k}.`)) out.set(kk, vv);
    else out.set(`${prefix}${k}`, String(v));
  }
  return out;
}

describe("complaints and councils strings", () => {
  const resources = loadLocaleResources();
  for (const file of ["complaints", "councils"]) {
    it(`${file}.json has the same keys in Khmer and English, none empty, Khmer written in Khmer`, () => {
      const km = keys(resources.km[file]);
      const en = keys(resources.en[file]);
      expect([...km.keys()].sort()).toEqual([...en.keys()].sort());
      for (const [key, value] of [...km, ...en]) expect(value.trim(), key).not.toBe("");
      for (const [key, value] of km) {
        if (!/^(g_prompt_placeholder)$/.test(key)) expect(/[\u1780-\u17FF]/.test(value), `km ${key}`).toBe(true);
      }
    });
  }

  it("every key the code uses exists", () => {
    const dirs = ["src/features/complaints", "src/features/councils"];
    const used = new Set<string>();
    for (const dir of dirs) {
      for (const f of readdirSync(dir)) {
        const text = readFileSync(join(dir, f), "utf8");
        for (const m of text.matchAll(/"((?:complaints|councils)\.[a-z_]+(?:\.[a-z_]+)?)"/g)) used.add(m[1]!);
      }
    }
    expect(used.size).toBeGreaterThan(60);
    for (const lang of ["km", "en"] as const) {
      const all = new Set([...keys(resources[lang].complaints, "complaints.").keys(), ...keys(resources[lang].councils, "councils.").keys()]);
      for (const key of used) expect(all.has(key), `${lang} ${key}`).toBe(true);
    }
  });
});
