/**
 * The property-based fuzz of the whole bot (fast-check): random sequences of
 * updates from a cast of people and chats — any text (Khmer with zero-width
 * characters, emoji, right-to-left, past 4,096 characters), stickers,
 * documents, edits, channel posts, real buttons pressed, stale and forged
 * callback data, presses on other chats' messages, chats the bot does not
 * know — fed through the real app. After every sequence:
 *
 *   - no update threw and nothing was logged as an error (no apology sent);
 *   - every callback query was answered;
 *   - no row appeared in a table a conversation writes unless such a
 *     conversation completed in that sequence (users rows appear on first
 *     contact, by design, and are not counted).
 *
 * Used by fuzz.test.ts (npm test, a few hundred sequences) and
 * fuzz.stress.test.ts (npm run test:stress, FUZZ_RUNS sequences).
 */
import fc from "fast-check";
import type { Message, Update, User } from "grammy/types";
import { afterAll, beforeAll, expect, it } from "vitest";
import { fileComplaint } from "../../src/features/complaints/complaints.js";
import { createLogger } from "../../src/log.js";
import { communes, seedSmallGazetteer } from "../support/areas.js";
import { useTestEnvironment, type TestEnvironment } from "../support/env.js";
import type { FakeTelegram, SeenMessage } from "../support/fake-telegram.js";
import { createHarness, type Harness, type Person } from "../support/harness.js";
import { returningCitizen } from "../support/onboarding.js";
import { seedWorld, type Actor, type World } from "./world.js";

// ── The cast ─────────────────────────────────────────────────────────────

/** Fresh for each sequence: a newcomer, a citizen, and a citizen with a complaint of their own. */
interface Cast {
  actors: Actor[];
  ownComplaint: number;
}

const ACTORS = 6; // newcomer, citizen, complainant, memberA, formerB, unlinked

async function castFor(h: Harness, env: TestEnvironment, world: World, lang: "km" | "en" | undefined): Promise<Cast> {
  const newcomer = h.person(lang ? { language_code: lang } : {});
  const resident = await returningCitizen(h, env.db, { lang: lang ?? "km", communeCode: communes.taPhou });
  const complainant = await returningCitizen(h, env.db, { lang: lang ?? "en", communeCode: communes.treas, first_name: "Sreymom", username: "sreymom_kh" });
  const userId = (await env.sql<{ id: number }[]>`select id from users where telegram_id = ${complainant.id}`)[0]!.id;
  const filed = await fileComplaint(
    env.db,
    { userId, communeCode: communes.treas, category: "infrastructure", description: "The road to the market is broken.", photoFileIds: [], anonymous: true },
    { timeZone: "Asia/Phnom_Penh" },
  );
  if (!filed.ok) throw new Error("seeding a complaint failed");
  const actor = (p: Person): Actor => ({ user: p.user, chat: p.chat });
  return { actors: [actor(newcomer), actor(resident), actor(complainant), world.memberA, world.formerB, world.unlinked], ownComplaint: filed.complaint.id };
}

// ── Steps: what fast-check generates, made into updates against the live chats ─

type Media = "sticker" | "document" | "image-document" | "photo" | "voice" | "location" | "contact" | "video_note" | "poll" | "dice";
type On = "last" | "older" | "foreign" | "inline" | "missing";

type Step =
  | { kind: "text"; actor: number; text: string; replyTo?: number }
  | { kind: "media"; actor: number; media: Media; caption?: string }
  | { kind: "edit"; actor: number; text: string }
  | { kind: "press"; actor: number; pick: number }
  /** Tapping through: several real buttons in a row, each on the newest message that has some. */
  | { kind: "taps"; actor: number; picks: number[] }
  | { kind: "stale"; actor: number; pick: number; button: number }
  | { kind: "forged"; actor: number; data: string; on: On }
  | { kind: "keyboard"; actor: number; pick: number }
  | { kind: "channel"; text: string }
  | { kind: "membership"; actor: number; status: "left" | "kicked" | "member" | "administrator" };

const pieces = (list: string[], max = 30) => fc.array(fc.constantFrom(...list), { minLength: 1, maxLength: max }).map((a) => a.join(""));
const khmer = pieces(["ព្រែក", "ជ្រៃ", "សួស្តី", "តាផូ", "ទ្រាស", "ឃុំ", "ស្រុក", "១", "២", "៣", "០", " ", "\u200b", "\u200c", "\u200d", "\u17d2", "ៗ", "។"]);
const emoji = pieces(["😀", "🇰🇭", "👍🏽", "👨‍👩‍👧", "❤️", "🙈", "✅", "⭐", "🏥", " ", "\ufe0f", "\u20e3"]);
const rtl = pieces(["مرحبا", "שלום", "عربي", " ", "\u202e", "\u202b", "\u200f", "\u2066", "٣"]);
const controls = pieces(["a", "\t", "\n", "\r\n", "\u0007", "\u001b[31m", "\u2028", "\ufeff", "\ud83d\ude00"]);
const markup = fc.constantFrom("<b>bold</b>", "*bold* _x_ `code` [link](http://x)", "<a href='tg://user?id=1'>x</a>", "${x} {{name}} %s", "'; DROP TABLE users; --", "=CMD()", "\\", "\"");
function unitsOf(unit: string, n: number): string {
  const chars = Array.from(unit.repeat(Math.ceil(n / Array.from(unit).length) + 1));
  return chars.slice(0, n).join("");
}
const long = fc.tuple(fc.constantFrom("a", "ក", "😀", "x\u200b", "ព្រែក "), fc.integer({ min: 1990, max: 5200 })).map(([u, n]) => unitsOf(u, n));
/** Labels and names the bot knows, typed instead of pressed. */
const known = fc.constantFrom(
  "English", "ខ្មែរ", "⏭ Skip", "⏭ រំលង", "✅ Done", "Preaek Chrey", "ព្រែកជ្រៃ", "Ta Phou", "តាផូ", "Treas", "Kandal", "Prek", "ព្រែក",
  "✅ I agree", "📍 Send my location", "MT-2026-000001", "010806", "0108", "០១០៨០៦", "yes", "no", "1", "5",
);
const commands = [
  "start", "menu", "help", "privacy", "forget", "language", "cancel", "rate", "complain", "mycomplaints", "settings", "forums",
  "newforum", "forum", "editforum", "grant", "revoke", "invite", "linkcode", "link", "unlink", "stats", "digest", "compare",
  "broadcast", "export", "interview", "myinterviews", "START", "unknown", "admin",
];
const commandArgs = fc.oneof(
  fc.constant(""),
  fc.constantFrom("010806", "0108", "01", "010807", "999999", "០១០៨", "staff @dara_staff", "volunteer 5000001 010806", "@nobody", "1", "#1", "-1", "99999999999", "staff", "ABCD-EFGH"),
  fc.constantFrom("c_010806", "c_999999", "c_", "v_", "v_AAAAAAAAAAAAAAAA", "v_%00", "c_010806 extra", "deep-link-payload_with_64_chars_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
  fc.string({ maxLength: 40 }),
);
const command = fc.tuple(fc.constantFrom(...commands), fc.boolean(), commandArgs).map(([c, at, args]) => `/${c}${at ? "@mati_test_bot" : ""}${args ? ` ${args}` : ""}`);
const anyText = fc.oneof(
  { weight: 3, arbitrary: known },
  { weight: 3, arbitrary: command },
  { weight: 2, arbitrary: khmer },
  { weight: 1, arbitrary: emoji },
  { weight: 1, arbitrary: rtl },
  { weight: 1, arbitrary: controls },
  { weight: 1, arbitrary: markup },
  { weight: 1, arbitrary: long },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 120 }) },
);

/** Prefixes of every callback the bot answers, with ids that exist, do not, or are not numbers. */
const prefixes = [
  "c:ack", "c:prog", "c:res", "c:not", "c:rej", "c:fwd", "c:back", "c:ask", "c:zap", "mc:v", "mc:add", "mc:ans", "mc:ok", "mc:re", "mc:list",
  "f:rsvp", "f:edit", "f:att", "f:cancel", "dg:s", "dg", "lc", "cl", "ap:o", "ap:c", "ap:pg", "ap:top", "r", "cf:cat", "cf:svc", "cf:media",
  "cf:id", "cf:pub", "cf:send", "ex:k", "ex:a", "ex:p", "ex:f", "fg:y", "fg:n", "st:lang", "st:news", "st:place", "st:prof", "st:home",
  "lang", "o:lang", "o:ok", "o:pl", "bc:aud", "bc:go", "bc:stop", "nf:publish", "nf:discard", "ar:done", "menu:rate", "menu:complain",
  "menu:mycomplaints", "menu:forums", "menu:settings", "menu:interview", "menu:myinterviews", "menu:help", "menu:home", "menu:admin",
];
const idPart = fc.oneof(
  fc.constantFrom("{B}", "{B}", "{own}", "{now}", "{old}", "0", "-1", "1", "999999999", "9999999999", "1e3", "0x1f", "1;DROP", "km", "en", "y", "n", "m", "010806", "0108", "01", "-", ""),
  fc.nat({ max: 2 ** 31 }).map(String),
);
const forgedData = fc.oneof(
  fc.tuple(fc.constantFrom(...prefixes), fc.array(idPart, { maxLength: 3 })).map(([p, parts]) => [p, ...parts].join(":")),
  fc.string({ minLength: 1, maxLength: 64 }),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }),
);

/** The ways in that people use most, so sequences reach deep into conversations. */
const entry = fc.constantFrom("/start", "/start", "/rate", "/rate", "/complain", "/complain", "/mycomplaints", "/settings", "/menu", "/language", "/forums", "/forget", "/cancel", "/help", "/stats", "/link ABCD-EFGH");
const actor = fc.nat({ max: ACTORS - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("text" as const), actor, text: anyText, replyTo: fc.option(fc.nat(), { nil: undefined }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("text" as const), actor, text: entry }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("media" as const), actor, media: fc.constantFrom<Media>("sticker", "document", "image-document", "photo", "voice", "location", "contact", "video_note", "poll", "dice"), caption: fc.option(anyText, { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("edit" as const), actor, text: anyText }) },
  { weight: 12, arbitrary: fc.record({ kind: fc.constant("press" as const), actor, pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("taps" as const), actor, picks: fc.array(fc.nat(), { minLength: 2, maxLength: 12 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("stale" as const), actor, pick: fc.nat(), button: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("forged" as const), actor, data: forgedData, on: fc.constantFrom<On>("last", "last", "older", "foreign", "inline", "missing") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("keyboard" as const), actor, pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("channel" as const), text: anyText }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("membership" as const), actor, status: fc.constantFrom("left" as const, "kicked" as const, "member" as const, "administrator" as const) }) },
);

const botMessages = (fake: FakeTelegram, chatId: number) => fake.chatMessages(chatId).filter((m) => m.raw.from?.id === fake.me.id);
const withData = (m: SeenMessage) => m.buttons.flat().filter((b) => b.data !== undefined);
const pickOf = <T>(list: readonly T[], n: number): T | undefined => (list.length ? list[n % list.length] : undefined);

/** Telegram's limit on callback data: 1–64 bytes. */
function clampData(data: string): string {
  let out = data;
  while (Buffer.byteLength(out) > 64) out = Array.from(out).slice(0, -1).join("");
  return out || "x";
}

interface Context {
  fake: FakeTelegram;
  cast: Cast;
  world: World;
  /** The person's own earlier messages per chat (for edits). */
  sent: Map<string, Message[]>;
}

function callback(fake: FakeTelegram, from: User, data: string, message: Message | undefined): Update {
  return fake.makeUpdate({
    callback_query: {
      id: `fz${Math.random().toString(36).slice(2)}`,
      from,
      chat_instance: `ci${message?.chat.id ?? "inline"}`,
      ...(message ? { message } : { inline_message_id: "AAAAinline" }),
      data,
    },
  } as Omit<Update, "update_id">);
}

function fillIn(data: string, c: Context): string {
  return data
    .replaceAll("{B}", String(pickOf(c.world.complaintsOfB, data.length) ?? 1))
    .replaceAll("{own}", String(c.cast.ownComplaint))
    .replaceAll("{now}", Math.floor(Date.now() / 1000).toString(36))
    .replaceAll("{old}", Math.floor(Date.now() / 1000 - 86_400).toString(36));
}

function media(fake: FakeTelegram, kind: Media): Partial<Message> {
  const file = fake.newFileId();
  switch (kind) {
    case "sticker":
      return { sticker: { file_id: file, file_unique_id: file, type: "regular", width: 512, height: 512, is_animated: false, is_video: false } };
    case "document":
      return { document: { file_id: file, file_unique_id: file, file_name: "report.pdf", mime_type: "application/pdf" } };
    case "image-document":
      return { document: { file_id: file, file_unique_id: file, file_name: "x.jpg", mime_type: "image/jpeg" } };
    case "photo":
      return { photo: [{ file_id: file, file_unique_id: file, width: 800, height: 600 }] };
    case "voice":
      return { voice: { file_id: file, file_unique_id: file, duration: 3 } };
    case "location":
      return { location: { latitude: 13.5, longitude: 102.9 } };
    case "contact":
      return { contact: { phone_number: "+85512345678", first_name: "Someone", user_id: 42 } };
    case "video_note":
      return { video_note: { file_id: file, file_unique_id: file, length: 240, duration: 2 } };
    case "poll":
      return { poll: { id: "p1", question: "?", options: [{ text: "a", voter_count: 0 }, { text: "b", voter_count: 0 }], total_voter_count: 0, is_closed: false, is_anonymous: true, type: "regular", allows_multiple_answers: false } } as Partial<Message>;
    case "dice":
      return { dice: { emoji: "🎲", value: 3 } };
  }
}

/** The last reply keyboard the bot showed in a chat (its buttons' labels). */
function replyKeyboardLabels(fake: FakeTelegram, chatId: number): string[] {
  for (const call of [...fake.callsTo("sendMessage")].reverse()) {
    if (Number(call.params.chat_id) !== chatId) continue;
    const markup = typeof call.params.reply_markup === "string" ? JSON.parse(call.params.reply_markup) : call.params.reply_markup;
    const rows = (markup as { keyboard?: ({ text: string } | string)[][] } | undefined)?.keyboard;
    if (rows) return rows.flat().map((b) => (typeof b === "string" ? b : b.text));
  }
  return [];
}

/** Turns a generated step into an update against what the chats show now; undefined when it does not apply. */
function updateFor(s: Step, c: Context): Update | undefined {
  const { fake } = c;
  if (s.kind === "channel") {
    const chat = c.world.channel;
    return fake.makeUpdate({ channel_post: { message_id: Math.floor(Math.random() * 1e6), date: Math.floor(Date.now() / 1000), chat, sender_chat: chat, text: s.text } } as Omit<Update, "update_id">);
  }
  const who = c.cast.actors[s.actor]!;
  const key = String(who.chat.id);
  const remember = (u: Update) => {
    if (u.message) c.sent.set(key, [...(c.sent.get(key) ?? []), u.message]);
    return u;
  };
  const mine = botMessages(fake, who.chat.id);
  switch (s.kind) {
    case "text": {
      const replyTo = s.replyTo !== undefined ? pickOf(mine, s.replyTo)?.raw : undefined;
      return remember(fake.messageFrom(who.user, who.chat, { text: s.text, ...(replyTo ? { reply_to_message: replyTo } : {}) } as Partial<Message>));
    }
    case "media":
      return remember(fake.messageFrom(who.user, who.chat, { ...media(fake, s.media), ...(s.caption && s.media !== "sticker" ? { caption: s.caption } : {}) }));
    case "edit": {
      const earlier = c.sent.get(key)?.at(-1);
      const base = earlier ?? { message_id: 1, date: Math.floor(Date.now() / 1000) - 60, chat: who.chat, from: who.user };
      return fake.makeUpdate({ edited_message: { ...base, text: s.text, edit_date: Math.floor(Date.now() / 1000) } } as Omit<Update, "update_id">);
    }
    case "taps":
      return undefined;
    case "press": {
      const last = [...mine].reverse().find((m) => withData(m).length > 0);
      const button = last && pickOf(withData(last), s.pick);
      return button ? callback(fake, who.user, button.data!, last.raw) : undefined;
    }
    case "stale": {
      const older = mine.filter((m) => withData(m).length > 0);
      const message = pickOf(older, s.pick);
      const button = message && pickOf(withData(message), s.button);
      return button ? callback(fake, who.user, button.data!, message.raw) : undefined;
    }
    case "keyboard": {
      const label = pickOf(replyKeyboardLabels(fake, who.chat.id), s.pick);
      return label ? remember(fake.messageFrom(who.user, who.chat, { text: label })) : undefined;
    }
    case "forged": {
      const data = clampData(fillIn(s.data, c));
      const others = c.cast.actors.filter((a) => a.chat.id !== who.chat.id);
      const message =
        s.on === "inline" ? undefined
        : s.on === "last" ? mine.at(-1)?.raw
        : s.on === "older" ? pickOf(mine, data.length)?.raw
        : s.on === "foreign" ? botMessages(fake, pickOf(others, data.length)!.chat.id).at(-1)?.raw
        : undefined;
      // What Telegram sends for a message the bot can no longer reach (deleted, too old): date 0.
      const placeholder = { message_id: 987_654, date: 0, chat: who.chat } as unknown as Message;
      return callback(fake, who.user, data, s.on === "inline" ? undefined : (message ?? placeholder));
    }
    case "membership": {
      if (who.chat.type === "private") return undefined;
      return fake.makeUpdate({
        my_chat_member: {
          chat: who.chat,
          from: who.user,
          date: Math.floor(Date.now() / 1000),
          old_chat_member: { status: "member", user: fake.me },
          new_chat_member: { status: s.status, user: fake.me, ...(s.status === "kicked" ? { until_date: 0 } : {}) },
        },
      } as Omit<Update, "update_id">);
    }
  }
}

// ── What must hold ───────────────────────────────────────────────────────

/** Tables a conversation writes, and the conversations that may add rows to each. */
const writers: Record<string, string[]> = {
  ratings: ["rate", "interview"],
  rating_scores: ["rate", "interview"],
  complaints: ["complain"],
  complaint_events: ["complain", "complaint-note"],
  complaint_reference_counters: ["complain"],
  // Each save of a Send press is keyed by its update (db/once.ts).
  update_effects: ["rate", "interview", "complain"],
};
/** First contact creates the person's row by design; gazetteer rows are never written by the bot. */
const notCounted = new Set(["users", "areas"]);

async function rowCounts(env: TestEnvironment): Promise<Record<string, number>> {
  const tables = await env.sql<{ table_name: string }[]>`
    select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`;
  const counts: Record<string, number> = {};
  for (const { table_name } of tables) {
    if (notCounted.has(table_name)) continue;
    const [row] = await env.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from "${table_name}"`);
    counts[table_name] = row!.n;
  }
  return counts;
}

async function completedConversations(h: Harness): Promise<Record<string, number>> {
  const metric = h.app.metrics.registry.getSingleMetric("mati_conversations_total");
  const values = (await metric!.get()).values;
  const out: Record<string, number> = {};
  for (const v of values) if (v.labels.event === "completed") out[String(v.labels.conversation)] = v.value;
  return out;
}

export interface FuzzOptions {
  runs: number;
  /** Updates per sequence, at most. */
  maxSteps: number;
  timeoutMs: number;
}

export function fuzzTheBot(options: FuzzOptions): void {
  const env = useTestEnvironment();
  const problems: string[] = [];
  let h: Harness;
  let world: World;
  let updatesSent = 0;
  let callbacksSent = 0;

  beforeAll(async () => {
    await seedSmallGazetteer(env.db);
    world = await seedWorld(env);
    // Error lines are what the error boundary writes for an update that threw.
    const log = createLogger("warn", {
      write(line: string) {
        const entry = JSON.parse(line) as { level: number; msg: string; err?: { message?: string; stack?: string } };
        if (entry.level >= 50) problems.push(`${entry.msg}: ${entry.err?.stack ?? entry.err?.message ?? line}`);
      },
    });
    // The flood guard has its own tests; here it would silence the cast after a minute's worth of updates.
    h = await createHarness(env, { FLOOD_LIMIT_PER_MINUTE: "1000000" }, { fake: world.fake, log });
  }, 120_000);
  afterAll(async () => {
    const conversations = h ? (await h.app.metrics.registry.getSingleMetric("mati_conversations_total")!.get()).values.map((v) => `${v.labels.conversation}/${v.labels.event}=${v.value}`) : [];
    await h?.close();
    console.log(`fuzz: ${options.runs} sequences, ${updatesSent} updates (${callbacksSent} button presses); conversations: ${conversations.join(" ")}`);
  });

  it(`handles ${options.runs} random sequences of hostile and odd updates: no error, every button answered, no stray rows`, async () => {
    const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<"km" | "en" | undefined>("km", "en", undefined), fc.array(step, { minLength: Math.min(5, options.maxSteps), maxLength: options.maxSteps, size: "max" }), async (lang, steps) => {
        problems.length = 0;
        const cast = await castFor(h, env, world, lang);
        const context: Context = { fake: h.fake, cast, world, sent: new Map() };
        const rowsBefore = await rowCounts(env);
        const completedBefore = await completedConversations(h);
        const callbackIds: string[] = [];
        const deliver = async (update: Update | undefined) => {
          if (!update) return;
          if (update.callback_query) callbackIds.push(update.callback_query.id), callbacksSent++;
          updatesSent++;
          await h.deliver(update);
        };
        for (const s of steps) {
          if (s.kind === "taps") for (const pick of s.picks) await deliver(updateFor({ kind: "press", actor: s.actor, pick }, context));
          else await deliver(updateFor(s, context));
        }
        expect(problems.join("\n"), "errors logged while handling the sequence").toBe("");
        const answered = new Set(h.fake.callsTo("answerCallbackQuery").map((c) => String(c.params.callback_query_id)));
        expect(callbackIds.filter((id) => !answered.has(id)), "callback queries left unanswered").toEqual([]);

        const rowsAfter = await rowCounts(env);
        const completedAfter = await completedConversations(h);
        const completed = (id: string) => (completedAfter[id] ?? 0) - (completedBefore[id] ?? 0);
        for (const [table, after] of Object.entries(rowsAfter)) {
          const added = after - (rowsBefore[table] ?? 0);
          if (added <= 0) continue;
          const allowedBy = writers[table] ?? [];
          const completions = allowedBy.reduce((n, id) => n + completed(id), 0);
          expect(completions, `${added} row(s) added to ${table} without a completed ${allowedBy.join("/") || "conversation"}`).toBeGreaterThan(0);
        }
      }),
      { numRuns: options.runs, ...(seed !== undefined ? { seed } : {}) },
    );
  }, options.timeoutMs);
}
