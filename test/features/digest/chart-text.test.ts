/**
 * Khmer in the chart: resvg's own text engine dropped consonants in clusters
 * with a pre-base vowel (ពេញ drawn as េញ, មករា as ករា). The chart therefore
 * carries HarfBuzz-shaped outlines only, and every glyph of such clusters.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { OutlineFont } from "../../../src/features/digest/text-paths.js";

const require = createRequire(import.meta.url);
const font = new OutlineFont(require.resolve("@expo-google-fonts/noto-sans-khmer/400Regular/NotoSansKhmer_400Regular.ttf"));
const glyphCount = (text: string) => (font.line(text, 0, 0, 20, "#000").match(/<path /g) ?? []).length;

describe("chart text", () => {
  it("keeps every glyph of Khmer clusters with a pre-base vowel", () => {
    expect(glyphCount("ពេញ")).toBe(3); // េ ព ញ
    expect(glyphCount("មករា")).toBe(3); // ម ក រា (one ligature in Noto Sans Khmer)
    expect(glyphCount("ពេទ្យ")).toBe(4); // េ ព ទ ្យ
  });

  it("anchors a line at its end or middle by its shaped width", () => {
    const start = font.line("៥០%", 100, 50, 20, "#000");
    const end = font.line("៥០%", 100, 50, 20, "#000", "end");
    const x = (svg: string) => Number(/translate\(([-\d.]+) /.exec(svg)![1]);
    expect(x(start)).toBe(100);
    expect(x(end)).toBeLessThan(100);
  });
});
