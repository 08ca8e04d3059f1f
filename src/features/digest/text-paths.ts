/**
 * Text for charts, drawn as glyph outlines shaped by HarfBuzz (the shaper
 * browsers use). resvg's own text engine loses consonants in Khmer clusters
 * with a pre-base vowel (ពេញ was drawn as េញ), so the chart gives resvg
 * paths, never text: what it draws is what HarfBuzz shaped.
 */
import { readFileSync } from "node:fs";
import * as hb from "harfbuzzjs";

export type Anchor = "start" | "middle" | "end";

export class OutlineFont {
  private readonly font: hb.Font;
  private readonly upem: number;
  private readonly outlines = new Map<number, string>();

  constructor(file: string) {
    const face = new hb.Face(new hb.Blob(readFileSync(file)));
    this.font = new hb.Font(face);
    this.upem = face.upem;
  }

  /** One line of text as SVG paths, its baseline at y, anchored at x. */
  line(content: string, x: number, y: number, size: number, fill: string, anchor: Anchor = "start"): string {
    const buffer = new hb.Buffer();
    buffer.addText(content);
    buffer.guessSegmentProperties();
    hb.shape(this.font, buffer);
    const glyphs = buffer.getGlyphInfos();
    const positions = buffer.getGlyphPositions();
    const scale = size / this.upem;
    const width = positions.reduce((sum, p) => sum + p.xAdvance, 0) * scale;
    let pen = anchor === "middle" ? x - width / 2 : anchor === "end" ? x - width : x;
    const paths: string[] = [];
    glyphs.forEach((glyph, i) => {
      const position = positions[i]!;
      const outline = this.outline(glyph.codepoint);
      if (outline) {
        const gx = round(pen + position.xOffset * scale);
        const gy = round(y - position.yOffset * scale);
        // Font units grow upwards; SVG's y grows downwards.
        paths.push(`<path transform="translate(${gx} ${gy}) scale(${round(scale)} ${round(-scale)})" d="${outline}"/>`);
      }
      pen += position.xAdvance * scale;
    });
    return `<g fill="${fill}">${paths.join("")}</g>`;
  }

  private outline(glyphId: number): string {
    let path = this.outlines.get(glyphId);
    if (path === undefined) {
      path = this.font.glyphToPath(glyphId);
      this.outlines.set(glyphId, path);
    }
    return path;
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;
