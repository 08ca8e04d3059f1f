/**
 * The one place that makes sure a citizen has a commune before a complaint:
 * the commune they gave, or the commune picker (saying why), saved for next time.
 */
import type { MatiConversation, MatiConversationContext } from "../../bot/context.js";
import type { Database } from "../../db/client.js";
import { ensureCommune } from "../areas/picker.js";

export async function citizenCommune(db: Database, conversation: MatiConversation, ctx: MatiConversationContext): Promise<string> {
  const picked = await ensureCommune(conversation, ctx, { db });
  return picked.commune.code;
}
