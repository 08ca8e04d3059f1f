/** Steps the commitment tests share: recording one the way staff do, finding its message in the group, citizens who rated a service. */
import { expect } from "vitest";
import type { Queue } from "bullmq";
import type { SeenMessage } from "../../support/fake-telegram.js";
import { eventually, type Harness, type Person, type TestGroup } from "../../support/harness.js";
import type { TestEnvironment } from "../../support/env.js";
import { registered, userRow } from "../../support/people.js";
import { seedRating } from "../digest/support.js";

/** "31/12/2026" for the day `days` from today in Phnom Penh, and that day as YYYY-MM-DD. */
export function dayAhead(days: number): { typed: string; iso: string } {
  const iso = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Phnom_Penh", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(Date.now() + days * 86_400_000));
  const [y, m, d] = iso.split("-");
  return { typed: `${Number(d)}/${Number(m)}/${y}`, iso };
}

export interface Recording {
  council: string | RegExp;
  body: string | RegExp;
  service: string | RegExp;
  area?: string | RegExp;
  text: string;
  due: string;
}

/** Walks the recording conversation after it was opened (/commit or a forum's button); returns the reference. */
export async function recordSteps(p: Person, r: Recording, labels = { save: "✅ Record" }): Promise<string> {
  await p.press(r.council);
  await p.press(r.body);
  await p.press(r.service);
  if (r.area) await p.press(r.area);
  await p.send(r.text);
  await p.send(r.due);
  await p.press(labels.save);
  const reference = /CM-\d+(?:-\d+)?/.exec(p.last().text)?.[0];
  expect(reference, p.last().text).toBeDefined();
  return reference!;
}

/** The council's message for a commitment (its first line names the reference). */
export function commitmentMessageIn(group: TestGroup, reference: string): SeenMessage {
  const m = group.messages().find((x) => x.text.startsWith("🤝") && x.text.split("\n")[0]!.includes(`${reference} `));
  if (!m) throw new Error(`no message for ${reference} in ${group.chat.title}: ${JSON.stringify(group.messages().map((x) => x.text.slice(0, 60)))}`);
  return m;
}

export const postedIn = (group: TestGroup, reference: string) => eventually(() => commitmentMessageIn(group, reference));

/** A citizen of `commune` who rated `service` there (their own rating, as /rate leaves it). */
export async function raterOf(env: TestEnvironment, h: Harness, commune: string, service: string, language: "km" | "en" = "km"): Promise<Person> {
  const person = await registered(env, h, { communeCode: commune, language });
  await seedRating(env.db, { service, commune, at: new Date(Date.now() - 20 * 86_400_000), scores: { attitude: 2 }, by: (await userRow(env, person.id)).id });
  return person;
}

/** Runs a delayed job now (time is driven, never waited for). */
export async function runNow(queue: Queue, jobId: string): Promise<void> {
  const job = await queue.getJob(jobId);
  expect(job, jobId).toBeDefined();
  await job!.promote();
  await eventually(async () => expect(await (await queue.getJob(jobId))!.isCompleted()).toBe(true));
}

/** When a delayed job is due. */
export async function dueAt(queue: Queue, jobId: string): Promise<number | undefined> {
  const job = await queue.getJob(jobId);
  return job ? job.timestamp + (job.delay ?? 0) : undefined;
}
