/**
 * The commitments section of a council's digest: what is due soon, what is
 * overdue, and what was done lately with the citizens' verification beside
 * the council's claim (figures from 5 answers on). A district's digest also
 * shows its communes' commitments. Each list is short; the rest is counted.
 */
import type { Database } from "../../db/client.js";
import type { Language } from "../../i18n.js";
import { formatNumber, translator } from "../../i18n.js";
import type { DigestSection } from "../digest/render.js";
import { commitmentsInArea } from "./commitments.js";
import { claimLine, commitmentView, dueText } from "./render.js";
import { dueEnds } from "./schedule.js";

const DUE_SOON_DAYS = 14;
const DONE_RECENT_DAYS = 30;
const PER_SECTION = 5;

export async function commitmentDigestSections(db: Database, areaCode: string, lang: Language, timeZone: string, now = new Date()): Promise<DigestSection[]> {
  const t = translator(lang);
  const all = await commitmentsInArea(db, areaCode);
  const open = all.filter((c) => c.status !== "done");
  const overdue = open.filter((c) => now >= dueEnds(c.dueOn, timeZone));
  const dueSoon = open.filter((c) => now < dueEnds(c.dueOn, timeZone) && dueEnds(c.dueOn, timeZone).getTime() - now.getTime() <= DUE_SOON_DAYS * 86_400_000);
  const done = all
    .filter((c) => c.status === "done" && c.doneAt && now.getTime() - c.doneAt.getTime() <= DONE_RECENT_DAYS * 86_400_000)
    .sort((a, b) => b.doneAt!.getTime() - a.doneAt!.getTime());

  const short = (text: string) => (text.length > 70 ? `${text.slice(0, 69)}…` : text);
  const capped = (lines: string[]) =>
    lines.length > PER_SECTION ? [...lines.slice(0, PER_SECTION), t("commitments.d_more", { n: formatNumber(lines.length - PER_SECTION, lang) })] : lines;

  const dueLine = (c: (typeof all)[number]) => t("commitments.d_line_due", { reference: c.reference, text: short(c.text), date: dueText(c.dueOn, lang, timeZone) });
  const doneLines: string[] = [];
  for (const c of done) doneLines.push(`${c.reference} «${short(c.text)}» — ${claimLine(await commitmentView(db, c), lang, timeZone)}`);
  return [
    { heading: "commitments_overdue", lines: capped(overdue.map(dueLine)) },
    { heading: "commitments_due", lines: capped(dueSoon.map(dueLine)) },
    { heading: "commitments_done", lines: capped(doneLines) },
  ];
}
