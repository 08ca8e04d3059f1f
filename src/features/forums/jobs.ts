/** The forum reminder job on the reminders queue (ids forum-<id>-remind-<offset>). */
import type { JobHandler } from "../../queue/workers.js";
import { sendReminder, type ForumDeps } from "./forums.js";

export function forumJobHandlers(deps: ForumDeps): Record<string, JobHandler> {
  return {
    "forum-reminder": async (job) => {
      const outcome = await sendReminder(deps, job);
      if (!outcome.sent) deps.log.info({ job_id: job.id, why: outcome.why }, "forum reminder not sent");
      return outcome;
    },
  };
}
