/**
 * The notify queue: single messages to one chat that must not be lost
 * (a council hearing of a complaint, a citizen hearing back). Features enqueue
 * with `enqueueMessage`; the worker sends with Telegram's error rules.
 */
import type { Api } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { Database } from "../../db/client.js";
import type { Queues } from "../../queue/queues.js";
import { sendRespectingTelegram, type JobHandler } from "../../queue/workers.js";
import { markChatBlocked } from "../users/users.js";

export interface MessageJob {
  chatId: number;
  text: string;
  replyMarkup?: InlineKeyboardMarkup;
  replyToMessageId?: number;
}

/** `jobId` makes the enqueue idempotent (BullMQ ignores a second job with the same id). */
export async function enqueueMessage(queues: Queues, message: MessageJob, jobId?: string): Promise<void> {
  await queues.notify.add("send-message", message, jobId ? { jobId } : {});
}

export function notifyHandlers(db: Database, api: Api): Record<string, JobHandler> {
  return {
    "send-message": async (job, worker) => {
      const message = job.data as MessageJob;
      const sent = await sendRespectingTelegram(
        worker,
        () =>
          api.sendMessage(message.chatId, message.text, {
            reply_markup: message.replyMarkup,
            reply_parameters: message.replyToMessageId
              ? { message_id: message.replyToMessageId, allow_sending_without_reply: true }
              : undefined,
          }),
        () => markChatBlocked(db, message.chatId),
      );
      return { messageId: sent.message_id };
    },
  };
}
