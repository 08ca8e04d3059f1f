/**
 * The in-process Telegram harness: the real app (bot, features, Postgres,
 * Redis, queues) built against the local Bot API stand-in through `fetch`.
 * Tests speak as people do: send text, press buttons, read what they see.
 *
 *   const h = await createHarness(env);
 *   const sokha = h.person({ first_name: "Sokha" });
 *   await sokha.send("/start");
 *   await sokha.press("English");
 *   expect(sokha.last().text).toContain("Saved");
 */
import type { Chat, Message, Update, User } from "grammy/types";
import { afterAll, beforeAll } from "vitest";
import { createApp, type App } from "../../src/app.js";
import type { Database } from "../../src/db/client.js";
import { seedSmallGazetteer } from "./areas.js";
import type { Logger } from "../../src/log.js";
import type { TestEnvironment } from "./env.js";
import { FakeTelegram, testBotInfo, type SeenMessage } from "./fake-telegram.js";

export interface Harness {
  app: App;
  fake: FakeTelegram;
  /** Hands one update to the bot, as Telegram would, and waits until it is handled. */
  deliver(update: Update): Promise<void>;
  person(fields?: Partial<User>): Person;
  /** The same person (same Telegram chat) talking to this harness's bot: after a restart. */
  adopt(person: Person): Person;
  group(title: string): TestGroup;
  /** Runs the BullMQ workers (notify, broadcast …) against the stand-in. */
  startWorkers(): void;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /**
   * Telegram outlives our process: pass the previous harness's stand-in to
   * restart the bot against the same chats, messages and buttons.
   */
  fake?: FakeTelegram;
  /** Where the app logs (silent by default through LOG_LEVEL). */
  log?: Logger;
}

export async function createHarness(env: TestEnvironment, overrides: Record<string, string> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const fake = options.fake ?? new FakeTelegram();
  const app = await createApp(env.config(overrides), { botInfo: testBotInfo, client: { fetch: fake.fetch as never }, log: options.log });
  const deliver = (update: Update) => app.bot.handleUpdate(update);
  return {
    app,
    fake,
    deliver,
    person: (fields = {}) => {
      const user = fake.newUser(fields);
      return new Person(fake, deliver, user, fake.addPrivateChat(user));
    },
    adopt: (person) => new Person(fake, deliver, person.user, person.chat),
    group: (title) => new TestGroup(fake, deliver, fake.addGroup(title), env.db),
    startWorkers: () => app.startWorkers(),
    close: () => app.stop(),
  };
}

/**
 * The usual set-up of a test file in one line: a harness built before the
 * file's tests (on the small gazetteer, unless told otherwise) and closed
 * after them. Returns a stand-in that forwards to that harness.
 */
export function useHarness(
  env: TestEnvironment,
  options: { gazetteer?: boolean; overrides?: Record<string, string>; workers?: boolean } = {},
): Harness {
  let current: Harness | undefined;
  beforeAll(async () => {
    if (options.gazetteer !== false) await seedSmallGazetteer(env.db);
    current = await createHarness(env, options.overrides);
    if (options.workers) current.startWorkers();
  });
  afterAll(() => current?.close());
  return new Proxy({} as Harness, {
    get: (_target, property) => {
      if (!current) throw new Error("the harness exists only inside tests (beforeAll has not run)");
      return current[property as keyof Harness];
    },
  });
}

type Deliver = (update: Update) => Promise<void>;

/** Someone writing to the bot, in their private chat or in a group. */
export class Person {
  constructor(
    readonly fake: FakeTelegram,
    private readonly deliver: Deliver,
    readonly user: User,
    readonly chat: Chat,
  ) {}

  get id(): number {
    return this.user.id;
  }

  /** This person in another chat (a group they belong to). */
  in(chat: Chat): Person {
    return new Person(this.fake, this.deliver, this.user, chat);
  }

  async send(text: string): Promise<void> {
    await this.deliver(this.fake.messageFrom(this.user, this.chat, { text }));
  }

  /** Sends any message content (photo, voice, sticker, document, location…). */
  async sendContent(fields: Partial<Message>): Promise<void> {
    await this.deliver(this.fake.messageFrom(this.user, this.chat, fields));
  }

  async sendPhoto(caption?: string): Promise<void> {
    const fileId = this.fake.newFileId();
    await this.sendContent({ photo: [{ file_id: fileId, file_unique_id: fileId, width: 800, height: 600 }], ...(caption ? { caption } : {}) });
  }

  async sendVoice(duration = 5): Promise<void> {
    const fileId = this.fake.newFileId();
    await this.sendContent({ voice: { file_id: fileId, file_unique_id: fileId, duration } });
  }

  async sendLocation(latitude: number, longitude: number): Promise<void> {
    await this.sendContent({ location: { latitude, longitude } });
  }

  async sendSticker(): Promise<void> {
    const fileId = this.fake.newFileId();
    await this.sendContent({ sticker: { file_id: fileId, file_unique_id: fileId, type: "regular", width: 512, height: 512, is_animated: false, is_video: false } });
  }

  /** Replies to one of the bot's messages (as a council member does). */
  async reply(to: SeenMessage, text: string): Promise<void> {
    await this.deliver(this.fake.messageFrom(this.user, this.chat, { text, reply_to_message: to.raw } as Partial<Message>));
  }

  /**
   * Presses the button whose label matches, on the newest message that has
   * one (or on `on`). Fails with the buttons that were there.
   */
  async press(label: string | RegExp, on?: SeenMessage): Promise<void> {
    const matches = (text: string) => (typeof label === "string" ? text === label : label.test(text));
    const candidates = on ? [on] : [...this.messages()].reverse();
    for (const message of candidates) {
      const button = message.buttons.flat().find((b) => matches(b.text));
      if (button?.data !== undefined) {
        await this.pressData(button.data, message);
        return;
      }
    }
    const seen = this.messages().slice(-3).map((m) => m.buttons.flat().map((b) => b.text));
    throw new Error(`no button ${String(label)}; the last messages had: ${JSON.stringify(seen)}`);
  }

  /** Sends a callback with arbitrary data (forged or stale buttons). */
  async pressData(data: string, on: SeenMessage = this.last()): Promise<void> {
    await this.deliver(this.fake.callbackFrom(this.user, on, data));
  }

  /** What the bot has in this chat, oldest first, as it looks now. */
  messages(): SeenMessage[] {
    return this.fake.chatMessages(this.chat.id).filter((m) => m.raw.from?.id === this.fake.me.id);
  }

  last(): SeenMessage {
    const all = this.messages();
    if (all.length === 0) throw new Error(`the bot has sent nothing to chat ${this.chat.id}`);
    return all[all.length - 1]!;
  }

  /** All button labels of the newest message. */
  buttons(on: SeenMessage = this.last()): string[] {
    return on.buttons.flat().map((b) => b.text);
  }

  /** The answers to this person's button presses (toasts), newest last. */
  toasts(): string[] {
    return this.fake
      .callsTo("answerCallbackQuery")
      .map((c) => c.params)
      .filter((p) => typeof p.text === "string")
      .map((p) => String(p.text));
  }
}

export class TestGroup {
  constructor(
    readonly fake: FakeTelegram,
    private readonly deliver: Deliver,
    readonly chat: Chat.SupergroupChat,
    /** The bot's database, for helpers that wait until the bot has recorded what it posted here. */
    readonly db?: Database,
  ) {}

  get id(): number {
    return this.chat.id;
  }

  /** A member of this group with the given standing (Telegram answers getChatMember accordingly). */
  member(fields: Partial<User> = {}, status: "creator" | "administrator" | "member" = "member"): Person {
    const user = this.fake.newUser(fields);
    this.fake.setMember(this.chat.id, user.id, status);
    return new Person(this.fake, this.deliver, user, this.chat);
  }

  messages(): SeenMessage[] {
    return this.fake.chatMessages(this.chat.id).filter((m) => m.raw.from?.id === this.fake.me.id);
  }

  last(): SeenMessage {
    const all = this.messages();
    if (all.length === 0) throw new Error(`the bot has sent nothing to group ${this.chat.id}`);
    return all[all.length - 1]!;
  }
}

/** Polls until `check` passes (for queued work and over-the-wire tests). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await check();
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
  throw lastError;
}
