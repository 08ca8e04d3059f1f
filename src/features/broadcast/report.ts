/** The staff member's live progress message and the final report, in their language. */
import { formatNumber, translator, type Language } from "../../i18n.js";
import type { BroadcastSummary, ProgressText } from "./engine.js";

function duration(summary: BroadcastSummary, lang: Language): string {
  const t = translator(lang);
  const end = summary.finishedAt ?? new Date();
  const total = Math.max(0, Math.round((end.getTime() - summary.startedAt.getTime()) / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return minutes > 0
    ? t("broadcast.duration_minutes", { minutes: formatNumber(minutes, lang), seconds: formatNumber(seconds, lang) })
    : t("broadcast.duration_seconds", { seconds: formatNumber(seconds, lang) });
}

export const renderProgress: ProgressText = (summary, lang) => {
  const t = translator(lang);
  const n = (v: number) => formatNumber(v, lang);
  const figures = { id: summary.id, sent: n(summary.sent), total: n(summary.total), failed: n(summary.failed), blocked: n(summary.blocked), cancelled: n(summary.cancelled) };
  return {
    progress: t(summary.finished ? "broadcast.progress_finished" : "broadcast.progress", figures),
    final: t(summary.cancelled > 0 ? "broadcast.final_report_cancelled" : "broadcast.final_report", { ...figures, duration: duration(summary, lang) }),
  };
};
