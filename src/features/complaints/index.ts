/**
 * Complaints: a citizen files one in a guided conversation, it reaches the
 * responsible council's group through the notify queue, the council moves it
 * along with buttons, and the citizen hears back and can answer, confirm or
 * reopen.
 */
import { Composer } from "grammy";
import type { Api } from "grammy";
import type { MatiContext } from "../../bot/context.js";
import type { Feature } from "../../bot/feature.js";
import type { Council } from "../../db/schema/index.js";
import type { JobHandler } from "../../queue/workers.js";
import type { FeatureDeps } from "../index.js";
import { citizenComposer } from "./citizen-bot.js";
import { complaintsAwaiting, detachComplaintsFrom } from "./complaints.js";
import { complainConversation, complaintNoteConversation } from "./conversation.js";
import { councilComposer } from "./council-bot.js";
import { complaintJobHandlers, enqueueDelivery, OVERDUE_AFTER_MS } from "./jobs.js";

export { detachComplaintsFrom } from "./complaints.js";
export { transitionComplaint } from "./lifecycle.js";

export interface ComplaintsOptions {
  /** How long a council has to acknowledge before the reminder and escalation (7 days). */
  overdueAfterMs?: number;
}

export function complaintsFeature(deps: FeatureDeps, options: ComplaintsOptions = {}): Feature {
  const overdueAfterMs = options.overdueAfterMs ?? OVERDUE_AFTER_MS;
  const base = { db: deps.db, queues: deps.queues, timeZone: deps.config.TIMEZONE };
  const composer = new Composer<MatiContext>();
  composer.use(citizenComposer(base));
  composer.use(councilComposer({ ...base, redis: deps.redis, redisPrefix: deps.config.REDIS_PREFIX }));
  const conversationDeps = { config: deps.config, db: deps.db, queues: deps.queues, overdueAfterMs };
  return {
    name: "complaints",
    onForget: async (tx, userId) => void (await detachComplaintsFrom(tx, userId)),
    conversations: {
      complain: complainConversation(conversationDeps),
      "complaint-note": complaintNoteConversation(conversationDeps),
    },
    composer,
    commands: [
      { command: "complain", descriptionKey: "complaints.cmd_complain", scope: "private" },
      { command: "mycomplaints", descriptionKey: "complaints.cmd_mycomplaints", scope: "private" },
    ],
    mainMenu: [
      { labelKey: "complaints.menu", callbackData: "menu:complain", order: 20 },
      { labelKey: "complaints.menu_mine", callbackData: "menu:mycomplaints", order: 30 },
    ],
  };
}

/** A council's group was just linked: everything waiting for it is sent now. */
export function deliverWaitingComplaints(deps: FeatureDeps) {
  return async (council: Council): Promise<number> => {
    const waiting = await complaintsAwaiting(deps.db, council);
    const occasion = `link-${council.id}-${council.linkedAt?.getTime() ?? Date.now()}`;
    for (const complaint of waiting) await enqueueDelivery(deps.queues, complaint.id, occasion);
    return waiting.length;
  };
}

export function complaintsJobHandlers(deps: FeatureDeps, api: Api): Record<string, JobHandler> {
  return complaintJobHandlers({ db: deps.db, redis: deps.redis, queues: deps.queues, redisPrefix: deps.config.REDIS_PREFIX, timeZone: deps.config.TIMEZONE }, api);
}
