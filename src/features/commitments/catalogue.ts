/**
 * The words and numbers of commitments in one place: who may be responsible,
 * when reminders go, how long citizens may answer. Labels live in
 * locales/{km,en}/commitments.json.
 */
import type { CommitmentStatus } from "../../db/schema/index.js";

/**
 * Bodies staff pick from (CATALOGUE.md, "Councils and other actors");
 * anything else is stored as typed. "council" means the council that follows
 * the commitment up.
 */
export const responsibleBodies = ["council", "board_of_governors", "health_centre", "primary_school", "owso", "citizen_office", "provincial_department"] as const;
export type ResponsibleBody = (typeof responsibleBodies)[number];

export function isResponsibleBody(value: string): value is ResponsibleBody {
  return (responsibleBodies as readonly string[]).includes(value);
}

/** Reminders to the council's group before the due date (ISO 8601 durations), at REMINDER_HOUR local time. */
export const dueReminderOffsets = ["P3D"];
/** Reminders (and the overdue notice the day after the due date) go at 08:00 in the configured zone. */
export const REMINDER_HOUR = 8;

/** How long citizens may answer (and change their answer) after the council says it is done. */
export const VERIFY_OPEN_DAYS = 30;
/** The council's message is refreshed with the citizens' answers when their number reaches one of these. */
export const TALLY_MILESTONES = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

export const statusEmoji: Record<CommitmentStatus, string> = { planned: "🗓", started: "🔧", done: "✅" };
