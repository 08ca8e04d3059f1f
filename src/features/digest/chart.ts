/**
 * The digest's chart: % satisfied per service, this period against the one
 * before, as an SVG drawn here and turned into a PNG by resvg (Rust, no
 * browser). Text is shaped by HarfBuzz with Noto Sans Khmer (a TTF shipped in
 * an npm package) and handed to resvg as outlines: see text-paths.ts for why.
 */
import { createRequire } from "node:module";
import type { Resvg } from "@resvg/resvg-js";
import { serviceNameKey } from "../catalogue/services.js";
import { councilName } from "../councils/councils.js";
import { formatNumber, translator, type Language } from "../../i18n.js";
import type { DigestFigures } from "./compute.js";
import { formatPeriod } from "./render.js";
import type { Anchor, OutlineFont } from "./text-paths.js";

// resvg (native) and HarfBuzz (wasm, through text-paths.ts) are some 15 MB once loaded: they are
// loaded by the first chart, not by every process at start (RSS on small servers); most never draw one.
const require = createRequire(import.meta.url);
let fonts: Promise<{ regular: OutlineFont; bold: OutlineFont }> | undefined;
const outlineFonts = () =>
  (fonts ??= import("./text-paths.js").then(({ OutlineFont }) => ({
    regular: new OutlineFont(require.resolve("@expo-google-fonts/noto-sans-khmer/400Regular/NotoSansKhmer_400Regular.ttf")),
    bold: new OutlineFont(require.resolve("@expo-google-fonts/noto-sans-khmer/700Bold/NotoSansKhmer_700Bold.ttf")),
  })));
let resvg: Promise<typeof Resvg> | undefined;
const loadResvg = () => (resvg ??= import("@resvg/resvg-js").then((m) => m.Resvg));

const WIDTH = 800;
const LEFT = 40;
const BAR_MAX = 620;
const ROW = 96;
const TOP = 150;
const COLOURS = { current: "#1f6f8b", previous: "#b8c4cc", text: "#1d2327", muted: "#5f6b73", grid: "#e3e8eb" };

/** The chart as SVG (exported for tests and for a web view later). */
export async function digestChartSvg(figures: DigestFigures, lang: Language, timeZone: string): Promise<string> {
  const { regular, bold } = await outlineFonts();
  const text = (x: number, y: number, content: string, size: number, options: { bold?: boolean; fill?: string; anchor?: Anchor } = {}) =>
    (options.bold ? bold : regular).line(content, x, y, size, options.fill ?? COLOURS.text, options.anchor);
  const t = translator(lang);
  const n = (v: number) => formatNumber(v, lang);
  const rows = figures.services.filter((s) => s.current.shown || s.previous.shown);
  const height = TOP + Math.max(1, rows.length) * ROW + 40;
  const parts: string[] = [`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`];
  parts.push(text(LEFT, 44, councilName(figures.area, lang), 26, { bold: true }));
  parts.push(text(LEFT, 78, formatPeriod(figures.periods.current, lang, timeZone), 18, { fill: COLOURS.muted }));
  parts.push(text(LEFT, 112, t("digest.chart_title"), 18));
  // Legend
  const legendY = 104;
  parts.push(`<rect x="${WIDTH - 330}" y="${legendY - 14}" width="18" height="18" fill="${COLOURS.current}"/>`);
  parts.push(text(WIDTH - 304, legendY + 1, t("digest.chart_this_week"), 16));
  parts.push(`<rect x="${WIDTH - 170}" y="${legendY - 14}" width="18" height="18" fill="${COLOURS.previous}"/>`);
  parts.push(text(WIDTH - 144, legendY + 1, t("digest.chart_week_before"), 16));
  // Grid at 0, 50, 100 %
  for (const pct of [0, 50, 100]) {
    const x = LEFT + (BAR_MAX * pct) / 100;
    parts.push(`<line x1="${x}" y1="${TOP - 10}" x2="${x}" y2="${height - 36}" stroke="${COLOURS.grid}" stroke-width="1"/>`);
    parts.push(text(x, height - 14, `${n(pct)}%`, 14, { fill: COLOURS.muted, anchor: "middle" }));
  }
  if (rows.length === 0) parts.push(text(LEFT, TOP + 40, t("digest.chart_none"), 20, { fill: COLOURS.muted }));
  rows.forEach((s, i) => {
    const y = TOP + i * ROW;
    parts.push(text(LEFT, y + 14, t(serviceNameKey(s.service)), 19, { bold: true }));
    const bars = [
      { shown: s.current, colour: COLOURS.current, dy: 26 },
      { shown: s.previous, colour: COLOURS.previous, dy: 54 },
    ];
    for (const bar of bars) {
      if (!bar.shown.shown) {
        parts.push(text(LEFT + 4, y + bar.dy + 18, t("digest.not_enough"), 15, { fill: COLOURS.muted }));
        continue;
      }
      const pct = bar.shown.value.satisfiedPct;
      const w = Math.max(2, (BAR_MAX * pct) / 100);
      parts.push(`<rect x="${LEFT}" y="${y + bar.dy}" width="${w}" height="24" rx="3" fill="${bar.colour}"/>`);
      parts.push(text(LEFT + w + 8, y + bar.dy + 19, `${n(pct)}%`, 16, { bold: bar.dy === 26 }));
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">${parts.join("")}</svg>`;
}

/** The chart as a PNG, ready for sendPhoto. */
export async function renderDigestChart(figures: DigestFigures, lang: Language, timeZone: string): Promise<Buffer> {
  const [svg, Resvg] = await Promise.all([digestChartSvg(figures, lang, timeZone), loadResvg()]);
  // No fonts: the SVG holds outlines only.
  return new Resvg(svg, { font: { loadSystemFonts: false }, fitTo: { mode: "original" } }).render().asPng();
}
