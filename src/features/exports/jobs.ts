/**
 * The exports queue: a staff member's export is written and sent by a worker
 * (a large one takes a while; updates must not wait for it), then the
 * temporary file is deleted whatever happened.
 */
import { InputFile, type Api } from "grammy";
import type { Database } from "../../db/client.js";
import { formatNumber, translator, type Language } from "../../i18n.js";
import type { Queues } from "../../queue/queues.js";
import { sendRespectingTelegram, type JobHandler } from "../../queue/workers.js";
import { markChatBlocked } from "../users/users.js";
import { writeExport } from "./export.js";
import type { ExportPeriod } from "./periods.js";
import type { ExportKind } from "./tables.js";
import type { ExportFormat } from "./writers.js";

/** Bots may upload files up to 50 MB to Telegram's Bot API, 2000 MB to a self-hosted one (telegram-bot-api --local). */
export const TELEGRAM_UPLOAD_LIMIT = 50 * 1024 * 1024;
export const LOCAL_BOT_API_UPLOAD_LIMIT = 2000 * 1024 * 1024;

export function uploadLimitOf(apiRoot: string): number {
  return new URL(apiRoot).hostname === "api.telegram.org" ? TELEGRAM_UPLOAD_LIMIT : LOCAL_BOT_API_UPLOAD_LIMIT;
}

export interface ExportJob {
  chatId: number;
  lang: Language;
  kind: ExportKind;
  areaCode: string;
  areaName: string;
  period: { start: string; end: string; label: string; firstDay: string; lastDay: string };
  format: ExportFormat;
}

export async function enqueueExport(queues: Queues, job: ExportJob): Promise<void> {
  // Finished jobs are dropped at once: the chat id is not kept in Redis longer than needed.
  await queues.exports.add("export", job, { attempts: 3, removeOnComplete: true, removeOnFail: { age: 86_400 } });
}

export function exportsJobHandlers(deps: { db: Database; timeZone: string; uploadLimit?: number }, api: Api): Record<string, JobHandler> {
  return {
    export: async (job, worker) => {
      const data = job.data as ExportJob;
      const t = translator(data.lang);
      const period: ExportPeriod = { ...data.period, start: new Date(data.period.start), end: new Date(data.period.end) };
      const written = await writeExport(deps.db, { kind: data.kind, areaCode: data.areaCode, period, format: data.format, lang: data.lang, timeZone: deps.timeZone });
      try {
        const onBlocked = () => markChatBlocked(deps.db, data.chatId);
        if (written.bytes > (deps.uploadLimit ?? TELEGRAM_UPLOAD_LIMIT)) {
          await sendRespectingTelegram(worker, () => api.sendMessage(data.chatId, t("exports.too_large", { rows: formatNumber(written.rows, data.lang) })), onBlocked);
          return { rows: written.rows, bytes: written.bytes, sent: false };
        }
        const caption = t("exports.caption", {
          kind: t(`exports.kinds.${data.kind}`),
          area: data.areaName,
          from: data.period.firstDay,
          to: data.period.lastDay,
          rows: formatNumber(written.rows, data.lang),
        });
        await sendRespectingTelegram(worker, () => api.sendDocument(data.chatId, new InputFile(written.path, written.filename), { caption }), onBlocked);
        return { rows: written.rows, bytes: written.bytes, sent: true };
      } finally {
        await written.remove();
      }
    },
  };
}
