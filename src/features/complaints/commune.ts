/**
 * The one place that makes sure a citizen has a commune before a complaint.
 * Today it reads users.commune_code and, when it is missing, points politely
 * to /settings. Onboarding's commune picker replaces the body of this
 * function at merge (it may wait for updates: it runs inside the conversation).
 */
import { eq } from "drizzle-orm";
import type { MatiConversation, MatiConversationContext } from "../../bot/context.js";
import type { Database } from "../../db/client.js";
import { users } from "../../db/schema/index.js";

export async function citizenCommune(db: Database, conversation: MatiConversation, ctx: MatiConversationContext): Promise<string | undefined> {
  const userId = ctx.user?.id;
  const code = userId
    ? await conversation.external(async () => {
        const [row] = await db.select({ communeCode: users.communeCode }).from(users).where(eq(users.id, userId));
        return row?.communeCode ?? null;
      })
    : null;
  if (code) return code;
  await ctx.reply(ctx.t("complaints.need_commune"));
  return undefined;
}
