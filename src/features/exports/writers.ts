/**
 * Table writers that stream to a file, row by row, so an export of a million
 * rows never holds them all in memory.
 *
 * CSV: UTF-8 with a byte-order mark (Excel then reads Khmer correctly),
 * RFC 4180 quoting, CRLF line ends; text that a spreadsheet would run as a
 * formula (=, +, -, @ first) is prefixed with ' (citizens' words are data).
 *
 * XLSX: exceljs's streaming WorkbookWriter (`stream.xlsx.WorkbookWriter`).
 * The ordinary exceljs Workbook keeps every row and cell object in memory
 * until it writes (hundreds of bytes per cell: gigabytes for a million rows);
 * the streaming writer serialises each committed row into the zip as it goes.
 * Shared strings and styles are off, so nothing grows with the row count.
 */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
// exceljs is some 30 MB once loaded: it is loaded by the first XLSX export, not by every process at start.
import type ExcelJS from "exceljs";

export type Cell = string | number | null;
export type ExportFormat = "csv" | "xlsx";
export const exportFormats: readonly ExportFormat[] = ["csv", "xlsx"];

export interface TableWriter {
  row(cells: Cell[]): Promise<void>;
  close(): Promise<void>;
}

export function csvCell(value: Cell): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replaceAll('"', '""')}"` : safe;
}

class CsvWriter implements TableWriter {
  private constructor(private readonly out: WriteStream) {}

  static async open(path: string, header: string[]): Promise<CsvWriter> {
    const out = createWriteStream(path, { encoding: "utf8" });
    await once(out, "open");
    const writer = new CsvWriter(out);
    await writer.write("\uFEFF" + header.map(csvCell).join(",") + "\r\n");
    return writer;
  }

  private async write(text: string): Promise<void> {
    if (!this.out.write(text)) await once(this.out, "drain");
  }

  row(cells: Cell[]): Promise<void> {
    return this.write(cells.map(csvCell).join(",") + "\r\n");
  }

  async close(): Promise<void> {
    this.out.end();
    await once(this.out, "finish");
  }
}

class XlsxWriter implements TableWriter {
  private rows = 0;
  private constructor(
    private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter,
    private readonly sheet: ExcelJS.Worksheet,
  ) {}

  static async open(path: string, header: string[], sheetName: string): Promise<XlsxWriter> {
    const { default: excel } = await import("exceljs");
    const workbook = new excel.stream.xlsx.WorkbookWriter({ filename: path, useStyles: false, useSharedStrings: false });
    // Excel: at most 31 characters, none of * ? : \ / [ ].
    const sheet = workbook.addWorksheet([...sheetName.replace(/[*?:\\/[\]]/g, "-")].slice(0, 31).join(""));
    sheet.addRow(header).commit();
    return new XlsxWriter(workbook, sheet);
  }

  async row(cells: Cell[]): Promise<void> {
    this.sheet.addRow(cells).commit();
    // Let the zip stream drain now and then: committed rows are queued to it.
    if (++this.rows % 2000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }

  async close(): Promise<void> {
    this.sheet.commit();
    await this.workbook.commit();
  }
}

export async function openTableWriter(format: ExportFormat, path: string, header: string[], sheetName: string): Promise<TableWriter> {
  return format === "csv" ? CsvWriter.open(path, header) : XlsxWriter.open(path, header, sheetName);
}
