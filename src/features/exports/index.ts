/** Exports for staff: /export, and the queue job that writes and sends the file. */
import { Composer } from "grammy";
import type { MatiContext } from "../../bot/context.js";
import type { Feature } from "../../bot/feature.js";
import type { FeatureDeps } from "../index.js";
import { hasRole } from "../users/users.js";
import { exportConversation } from "./conversation.js";

export { exportsJobHandlers, uploadLimitOf } from "./jobs.js";

export function exportsFeature(deps: FeatureDeps): Feature {
  const composer = new Composer<MatiContext>();
  composer.chatType("private").command("export", async (ctx) => {
    if (!hasRole(ctx.user, "staff")) return ctx.reply(ctx.t("exports.staff_only"));
    await ctx.conversation.enter("export");
  });
  return {
    name: "exports",
    conversations: { export: exportConversation({ db: deps.db, queues: deps.queues, timeZone: deps.config.TIMEZONE }) },
    composer,
    commands: [{ command: "export", descriptionKey: "exports.cmd_export", scope: "private", minRole: "staff" }],
  };
}
