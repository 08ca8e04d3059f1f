/**
 * Every string exists in Khmer and English: same keys, no empty values, Khmer
 * values actually in Khmer script, and every key the code asks for exists.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadLocaleResources, translator } from "../../src/i18n.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const resources = loadLocaleResources();

function flatten(tree: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === "object") for (const [k, v] of flatten(value, path)) out.set(k, v);
    else out.set(path, String(value));
  }
  return out;
}

const km = flatten(resources.km);
const en = flatten(resources.en);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("locales", () => {
  it("have the same files and keys in km and en", () => {
    expect(readdirSync(join(repoRoot, "locales/km")).sort()).toEqual(readdirSync(join(repoRoot, "locales/en")).sort());
    expect([...km.keys()].filter((k) => !en.has(k))).toEqual([]);
    expect([...en.keys()].filter((k) => !km.has(k))).toEqual([]);
  });

  it("have no empty values", () => {
    expect([...km, ...en].filter(([, v]) => v.trim() === "").map(([k]) => k)).toEqual([]);
  });

  it("are in Khmer script in km (no English left as a placeholder)", () => {
    const khmer = /[\u1780-\u17FF]/;
    const hasLetters = /\p{L}/u;
    const untranslated = [...km].filter(([, v]) => hasLetters.test(v.replace(/\{\{[^}]*\}\}|\/\w+|https?:\S+/g, "")) && !khmer.test(v));
    expect(untranslated.map(([k, v]) => `${k}: ${v}`)).toEqual([]);
  });

  it("agree on interpolation variables between km and en", () => {
    const vars = (v: string) => [...v.matchAll(/\{\{\s*([\w.]+)/g)].map((m) => m[1]).sort();
    const mismatched = [...km.keys()].filter((k) => JSON.stringify(vars(km.get(k)!)) !== JSON.stringify(vars(en.get(k) ?? "")));
    expect(mismatched).toEqual([]);
  });

  it("contain every key the code asks for by its literal name", () => {
    const used = new Set<string>();
    for (const file of sourceFiles(join(repoRoot, "src"))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/\bt\(\s*"([a-z_]+\.[\w.]+)"/g)) used.add(m[1]!);
      for (const m of text.matchAll(/(?:labelKey|descriptionKey|Key):\s*"([a-z_]+\.[\w.]+)"/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((k) => !km.has(k))).toEqual([]);
  });

  it("translate through i18next in both languages", () => {
    expect(translator("km")("common.cancelled")).toContain("បានបោះបង់");
    expect(translator("en")("common.cancelled")).toContain("Cancelled");
  });
});
