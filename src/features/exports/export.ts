/** An export written to a temporary file: the file's name says what and when. */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "../../db/client.js";
import { translator, type Language } from "../../i18n.js";
import type { ExportPeriod } from "./periods.js";
import { exportTable, type ExportKind } from "./tables.js";
import { openTableWriter, type ExportFormat } from "./writers.js";

export interface ExportRequest {
  kind: ExportKind;
  areaCode: string;
  period: ExportPeriod;
  format: ExportFormat;
  lang: Language;
  timeZone: string;
}

export interface WrittenExport {
  path: string;
  filename: string;
  rows: number;
  bytes: number;
  /** Removes the file and its folder. */
  remove(): Promise<void>;
}

/** "mati-ratings-0108-2026-Q3.csv". */
export function exportFileName(request: Pick<ExportRequest, "kind" | "areaCode" | "period" | "format">): string {
  return `mati-${request.kind}-${request.areaCode}-${request.period.label}.${request.format}`;
}

export async function writeExport(db: Database, request: ExportRequest): Promise<WrittenExport> {
  const dir = await mkdtemp(join(tmpdir(), "mati-export-"));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const filename = exportFileName(request);
    const path = join(dir, filename);
    const t = translator(request.lang);
    const table = exportTable(db, request.kind, request, { t, lang: request.lang, timeZone: request.timeZone });
    const writer = await openTableWriter(request.format, path, table.columns, t(`exports.kinds.${request.kind}`));
    let rows = 0;
    for await (const row of table.rows()) {
      await writer.row(row);
      rows++;
    }
    await writer.close();
    return { path, filename, rows, bytes: (await stat(path)).size, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
