import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * With MATI_TRANSCRIPT=<folder> set, keeps what people saw in a journey as `<name>.txt` there
 * (the folder is created), for reading the conversations in full; otherwise does nothing.
 */
export function writeTranscript(name: string, text: string): void {
  const folder = process.env.MATI_TRANSCRIPT;
  if (!folder) return;
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `${name}.txt`), text.endsWith("\n") ? text : text + "\n");
}
