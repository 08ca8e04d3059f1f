/**
 * Who may do what: a citizen reaches no staff, volunteer or admin action by
 * command, by callback data or by deep link; a member of one council's group
 * cannot act on another council's complaint; staff cannot do what only admins
 * may. Every forged press is answered and leaves the record as it was.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import type { Message } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users, volunteerInvites } from "../../src/db/schema/index.js";
import { createCommitment } from "../../src/features/commitments/commitments.js";
import { createForum } from "../../src/features/forums/forums.js";
import { createVolunteerInvite } from "../../src/features/roles/roles.js";
import { translator } from "../../src/i18n.js";
import { communes, districts, seedSmallGazetteer } from "../support/areas.js";
import { useTestEnvironment } from "../support/env.js";
import type { SeenMessage } from "../support/fake-telegram.js";
import { createHarness, Person, type Harness } from "../support/harness.js";
import { returningCitizen } from "../support/onboarding.js";
import { userRow } from "../support/people.js";
import { seedWorld, type World } from "./world.js";

const env = useTestEnvironment();
let h: Harness;
let world: World;
let forumId: number;
/** A commitment of council B (Treas), from staff's forum. */
let commitmentId: number;

beforeAll(async () => {
  await seedSmallGazetteer(env.db);
  world = await seedWorld(env);
  h = await createHarness(env, {}, { fake: world.fake });
  const staffRow = await userRow(env, world.staff.user.id);
  forumId = (await createForum(env.db, { type: "commune_forum", titleEn: "Water forum", startsAt: new Date(Date.now() + 10 * 86_400_000), venue: "Pagoda", areaCodes: [communes.taPhou], createdBy: staffRow.id })).id;
  commitmentId = (
    await createCommitment(env.db, {
      forumId,
      councilAreaCode: communes.treas,
      areaCode: communes.treas,
      serviceKey: "health_centre",
      responsible: "council",
      text: "Post the official price list",
      dueOn: "2027-01-31",
      actor: { kind: "staff", userId: staffRow.id, name: "Dara" },
    })
  ).id;
}, 120_000);
afterAll(() => h?.close());

/** Everything a forged action could change, but the users table (first contact writes it; roles are read separately). */
async function record(): Promise<string> {
  const tables = await env.sql<{ table_name: string }[]>`
    select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not in ('users', 'areas') order by table_name`;
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows = await env.sql.unsafe<{ row: string }[]>(`select row_to_json(t)::text as row from "${table_name}" t order by 1`);
    parts.push(`${table_name}: ${rows.map((r) => r.row).sort().join("\n")}`);
  }
  const roles = await env.sql`select telegram_id, role from users where role <> 'citizen' order by telegram_id`;
  parts.push(`roles: ${JSON.stringify(roles)}`);
  for (const [name, queue] of Object.entries(h.app.queues)) parts.push(`${name}: ${JSON.stringify(await queue.getJobCounts("waiting", "delayed", "active", "prioritized"))}`);
  return parts.join("\n");
}

const refusalKeys = [
  "broadcast.staff_only", "councils.staff_only", "digest.staff_only", "exports.staff_only", "forums.staff_only", "forums.count_not_allowed",
  "roles.not_allowed", "roles.admin_only", "volunteers.not_volunteer",
];
const refusals = (lang: "km" | "en") => refusalKeys.map((k) => translator(lang)(k));

function answeredIds(): Set<string> {
  return new Set(h.fake.callsTo("answerCallbackQuery").map((c) => String(c.params.callback_query_id)));
}

/** Presses `data` as `person` on `on` and checks the press was answered. */
async function forge(person: Person, data: string, on: SeenMessage): Promise<void> {
  const update = h.fake.callbackFrom(person.user, on, data);
  await h.deliver(update);
  expect(answeredIds().has(update.callback_query!.id), `press ${data} answered`).toBe(true);
}

/** A message of the bot in the chat to press on, as Telegram delivers a press. */
function someMessageIn(chatId: number): SeenMessage {
  const mine = h.fake.chatMessages(chatId).filter((m) => m.raw.from?.id === h.fake.me.id);
  if (mine.length) return mine.at(-1)!;
  const raw = { message_id: 1, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: "private", first_name: "x" }, from: h.fake.me, text: "…" } as Message;
  return { message_id: 1, chatId, text: "…", buttons: [], kind: "text", raw, edits: 0 };
}

// ── Every callback handler of the product, read from the source ─────────────

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** The patterns given to callbackQuery(…) and waitForCallbackQuery(…) anywhere in src/. */
function callbackPatterns(): { file: string; matches: (data: string) => boolean; source: string }[] {
  const found: { file: string; matches: (data: string) => boolean; source: string }[] = [];
  for (const file of sourceFiles("src")) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:callbackQuery|waitForCallbackQuery)\(\s*(\/(?:\\\/|[^/\n])+\/[a-z]*|"[^"]+"|\[[^\]]*\])/g)) {
      const arg = m[1]!;
      if (arg.startsWith("/")) {
        const body = arg.slice(1, arg.lastIndexOf("/"));
        const re = new RegExp(body, arg.slice(arg.lastIndexOf("/") + 1));
        found.push({ file, source: arg, matches: (d) => re.test(d) });
      } else {
        const literals = [...arg.matchAll(/"([^"]+)"/g)].map((x) => x[1]!);
        found.push({ file, source: arg, matches: (d) => literals.includes(d) });
      }
    }
  }
  return found;
}

/** Data for every handler, with ids of real things that belong to someone else (council B's complaints, staff's forum, linked councils). */
function forgedData(): string[] {
  const complaint = world.complaintsOfB[0]!;
  const council = ["ack", "prog", "res", "not", "rej", "fwd", "back", "ask"].map((a) => `c:${a}:${complaint}`);
  const mine = ["v", "add", "ans", "ok", "re"].map((a) => `mc:${a}:${complaint}`);
  return [
    ...council,
    ...mine,
    "mc:list",
    `f:edit:${forumId}:time`, `f:edit:${forumId}:venue`, `f:att:${forumId}`, `f:cancel:${forumId}`, `f:cancel:${forumId}:y`, `f:cancel:${forumId}:n`,
    `f:rsvp:999999:y`, `f:qr:${forumId}`, `f:cnt:${forumId}`,
    ...["f", "m", "o", "u", "y", "d"].map((g) => `fc:${forumId}:0:${g}`), `fc:${forumId}:3:f`,
    `cmr:new:${forumId}`, `cml:${forumId}`, `cmd:due:${commitmentId}`,
    ...["st", "dn", "ph"].map((a) => `cmp:${a}:${commitmentId}`), ...["y", "p", "n"].map((a) => `cmv:${commitmentId}:${a}`),
    `fu:y:${complaint}`, `fu:n:${complaint}`,
    `dg:s:${communes.taPhou}`, `dg:s:${communes.treas}`, `dg:s:${districts.svayChek}`, "dg:x",
    `lc:${communes.taPhou}`, `lc:${districts.svayChek}`,
    "cl:km", "cl:en",
    "bc:aud:everyone", "bc:aud:citizens", "bc:aud:groups", "bc:go", "bc:stop",
    "nf:type:commune_forum", "nf:publish", "nf:discard",
    "menu:interview", "menu:myinterviews", "menu:rate", "menu:complain", "menu:mycomplaints", "menu:forums", "menu:settings", "menu:help", "menu:home",
    "st:home", "st:lang", "st:lang:en", "st:news:on", "st:news:off", "st:res:on", "st:res:off", "st:place", "st:prof", "rs:off",
    "lang:en", "fg:n",
  ];
}

describe("the list of forged presses covers every callback handler", () => {
  it("has data for each pattern in src/ (a new handler must be added here)", () => {
    const patterns = callbackPatterns();
    expect(patterns.length).toBeGreaterThan(20);
    const data = forgedData();
    const uncovered = patterns.filter((p) => !data.some((d) => p.matches(d)) && !p.source.includes("fg:y"));
    expect(uncovered.map((p) => `${p.file}: ${p.source}`)).toEqual([]);
  });
});

describe("a citizen", () => {
  it("reaches no staff, volunteer or admin command, whatever the arguments", async () => {
    for (const lang of ["km", "en"] as const) {
      const citizen = await returningCitizen(h, env.db, { lang, communeCode: communes.taPhou, username: `citizen_${lang}` });
      const before = await record();
      const guarded = h.app.deps.commandMenus.entries.filter((e) => e.minRole && e.scope === "private").map((e) => e.command);
      expect(guarded).toEqual(
        expect.arrayContaining(["grant", "revoke", "invite", "linkcode", "newforum", "forum", "editforum", "broadcast", "export", "digest", "compare", "interview", "myinterviews", "count", "commit", "commitments", "commitment"]),
      );
      const args = ["", ` staff @citizen_${lang}`, ` staff ${citizen.id}`, ` volunteer ${citizen.id} ${communes.taPhou}`, ` ${communes.taPhou}`, ` ${districts.svayChek}`, ` ${forumId}`, " ០១០៨"];
      for (const command of guarded) {
        for (const arg of args) {
          await citizen.send(`/${command}${arg}`);
          expect(refusals(lang), `/${command}${arg}`).toContain(citizen.last().text);
        }
      }
      // No conversation was entered: plain text gets the everyday answer.
      await citizen.send("hello");
      expect(citizen.last().text).toBe(translator(lang)("common.not_understood"));
      expect(await record()).toBe(before);
      expect((await userRow(env, citizen.id)).role).toBe("citizen");
    }
  });

  it("gets a polite answer to every forged button, staff and council ones included, and nothing changes", async () => {
    const citizen = await returningCitizen(h, env.db, { lang: "en", communeCode: communes.taPhou });
    await citizen.send("/menu");
    const before = await record();
    for (const data of forgedData()) await forge(citizen, data, someMessageIn(citizen.chat.id));
    // A press in someone else's chat (the staff member's), as a forged update would carry it.
    for (const data of forgedData()) await forge(citizen, data, someMessageIn(world.staff.chat.id));
    await citizen.send("/cancel");
    // (Telegram never delivers such a press; here it may have opened a conversation in that chat.)
    await new Person(h.fake, h.deliver, world.staff.user, world.staff.chat).send("/cancel");
    expect(await record()).toBe(before);
    expect((await userRow(env, citizen.id)).role).toBe("citizen");
  });

  it("gets nothing from deep links but a valid volunteer invite, which makes a volunteer and no more", async () => {
    const staffRow = await userRow(env, world.staff.user.id);
    const used = await createVolunteerInvite(env.db, { actor: staffRow, communeCodes: [communes.taPhou] });
    const expired = await createVolunteerInvite(env.db, { actor: staffRow, communeCodes: [communes.taPhou] });
    await env.db.update(volunteerInvites).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(volunteerInvites.tokenHash, createHash("sha256").update(expired.token).digest("hex")));
    const first = await returningCitizen(h, env.db, { lang: "en", communeCode: communes.taPhou });
    await first.send(`/start v_${used.token}`);
    expect((await userRow(env, first.id)).role, first.last().text).toBe("volunteer");
    const p = await returningCitizen(h, env.db, { lang: "en", communeCode: communes.taPhou });
    const before = await record();
    for (const payload of [`v_${used.token}`, `v_${expired.token}`, "v_AAAAAAAAAAAAAAAAAAAAAA", "v_", `v_${used.token.toLowerCase()}x`, "staff", "admin", "grant_staff", "s_1", `c_${communes.taPhou}`, "c_999999"]) {
      await p.send(`/start ${payload}`);
      expect((await userRow(env, p.id)).role, payload).toBe("citizen");
    }
    expect(await record()).toBe(before);
    // The control: a valid invite works, and gives the volunteer role only.
    const fresh = await createVolunteerInvite(env.db, { actor: staffRow, communeCodes: [communes.taPhou] });
    await p.send(`/start v_${fresh.token}`);
    expect((await userRow(env, p.id)).role).toBe("volunteer");
    for (const command of ["grant", "revoke", "invite", "linkcode", "newforum", "broadcast", "export", "digest"]) {
      await p.send(`/${command} ${communes.taPhou}`);
      expect(refusals("en"), `/${command} as a volunteer`).toContain(p.last().text);
    }
  });
});

describe("a member of another council's group", () => {
  it("cannot act on council B's complaints from council A's group, by any button", async () => {
    const member = new Person(h.fake, h.deliver, world.memberA.user, world.memberA.chat);
    const before = await record();
    for (const data of forgedData()) await forge(member, data, someMessageIn(world.groupA.id));
    // The same data on B's own message, pressed by someone no longer in B's group.
    const former = new Person(h.fake, h.deliver, world.formerB.user, world.formerB.chat);
    const messageOfB = h.fake.chatMessages(world.groupB.id).find((m) => m.buttons.length > 0)!;
    for (const button of messageOfB.buttons.flat()) await forge(former, button.data!, messageOfB);
    expect(former.toasts().at(-1)).toBe(translator("km")("complaints.g_refuse_not_member"));
    expect(await record()).toBe(before);
  });

  it("cannot link, unlink or change the language of a group without being its administrator", async () => {
    const member = new Person(h.fake, h.deliver, world.memberA.user, world.memberA.chat);
    const before = await record();
    for (const command of ["/unlink", "/language", "/link ABCD-EFGH"]) await member.send(command);
    await forge(member, "cl:en", someMessageIn(world.groupA.id));
    expect(await record()).toBe(before);
  });
});

describe("staff", () => {
  it("cannot do what only an admin may: give or take the staff role", async () => {
    const staffMember = new Person(h.fake, h.deliver, world.staff.user, world.staff.chat);
    const other = await returningCitizen(h, env.db, { lang: "en", username: "someone_else" });
    const before = await record();
    await staffMember.send("/grant staff @someone_else");
    expect(staffMember.last().text).toBe(translator("en")("roles.admin_only"));
    await staffMember.send(`/grant staff ${other.id}`);
    expect(staffMember.last().text).toBe(translator("en")("roles.admin_only"));
    expect(await record()).toBe(before);
    expect((await env.db.select().from(users).where(eq(users.telegramId, other.id)))[0]!.role).toBe("citizen");
  });
});
