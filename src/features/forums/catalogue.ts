/** Forum and meeting types (CATALOGUE.md); names live in locales/{km,en}/forums.json under "type". */
import { forumTypes, type ForumType } from "../../db/schema/index.js";

export { forumTypes, type ForumType };

export const forumTypeKey = (type: ForumType) => `forums.type.${type}`;

export function isForumType(value: string): value is ForumType {
  return (forumTypes as readonly string[]).includes(value);
}

/** Reminders before the start unless staff choose others: 3 days, 1 day, 2 hours. */
export const defaultReminderOffsets = ["P3D", "P1D", "PT2H"];
