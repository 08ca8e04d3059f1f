/**
 * A local Bot API stand-in that answers the way Telegram does: real Message
 * objects with ids, edits, callback answers (once), long polling with
 * offsets and timeouts, 403 for chats that blocked the bot, 400 for unknown
 * chats, and 429 with retry_after beyond a configurable rate. The in-process
 * harness reaches it through `fetch`; over-the-wire tests through `listen()`.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Chat, InlineKeyboardMarkup, Message, Update, User, UserFromGetMe } from "grammy/types";

export const TEST_TOKEN = "123456789:TEST-token-for-the-local-bot-api";

export const testBotInfo: UserFromGetMe = {
  id: 123456789,
  is_bot: true,
  first_name: "Mati",
  username: "mati_test_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
} as UserFromGetMe;

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  at: number;
}

type ApiResult = { ok: true; result: unknown } | { ok: false; error_code: number; description: string; parameters?: { retry_after?: number } };

class ApiFailure extends Error {
  constructor(readonly code: number, readonly description: string, readonly retryAfter?: number) {
    super(description);
  }
}

/** A message as the person sees it now (after edits). */
export interface SeenMessage {
  message_id: number;
  chatId: number;
  text: string;
  buttons: { text: string; data?: string; url?: string }[][];
  kind: "text" | "photo" | "voice" | "document" | "location" | "other";
  raw: Message;
  edits: number;
}

// Process-wide counters: several stand-ins in one test file share a database
// and Redis prefix, so people and update ids must never repeat.
let nextUpdateId = 1000;
let nextUserId = 5_000_000;

const sendMethods = new Set([
  "sendMessage", "sendPhoto", "sendVoice", "sendDocument", "sendLocation", "sendMediaGroup", "copyMessage", "forwardMessage", "sendAudio", "sendVideo",
]);

export class FakeTelegram {
  readonly calls: ApiCall[] = [];
  private readonly chats = new Map<number, Chat>();
  private readonly messages = new Map<number, Map<number, SeenMessage>>();
  private readonly nextMessageId = new Map<number, number>();
  private readonly answeredQueries = new Set<string>();
  private readonly members = new Map<string, string>();
  readonly blocked = new Set<number>();
  private readonly files = new Map<string, { size: number; name?: string }>();
  private readonly uploads = new Map<string, Blob>();
  private pendingUpdates: Update[] = [];
  private pollers: (() => void)[] = [];
  private nextFileId = 1;
  private closed = false;
  /** Sends beyond this many per second get 429 (undefined: unlimited). */
  rateLimitPerSecond: number | undefined;
  retryAfterSeconds = 1;
  private windowStart = 0;
  private windowCount = 0;
  count429 = 0;
  /** Failures to inject: method → queue of failures to return before succeeding. */
  private readonly injected = new Map<string, ApiFailure[]>();
  /** Calls to cut before they are handled: method → how many more (a connection reset, as on a flaky network). */
  private readonly drops = new Map<string, number>();
  webhook: { url: string; secret?: string } | undefined;
  /** Extra latency per method (e.g. a slow sendMessage while the bot shuts down). */
  readonly latency = new Map<string, number>();
  /** The highest offset a getUpdates call confirmed: every update below it is handled (long polling). */
  confirmedOffset = 0;
  /** Every webhook request made, with the answer's status (0: no answer). */
  readonly webhookAttempts: { update_id: number; status: number }[] = [];
  /** Pause before the first redelivery of a webhook update that failed; doubles up to 2 s. Telegram's is longer. */
  webhookRetryMs = 100;
  private readonly webhookChains = new Map<string, Promise<void>>();

  constructor(readonly token = TEST_TOKEN, readonly me: UserFromGetMe = testBotInfo) {}

  // ── People and chats ───────────────────────────────────────────────────

  newUser(fields: Partial<User> = {}): User {
    return { id: nextUserId++, is_bot: false, first_name: "Test", language_code: "km", ...fields };
  }

  addPrivateChat(user: User): Chat.PrivateChat {
    const chat: Chat.PrivateChat = { id: user.id, type: "private", first_name: user.first_name, ...(user.username ? { username: user.username } : {}) };
    this.chats.set(chat.id, chat);
    return chat;
  }

  addGroup(title: string, id = -1_000_000_000_000 - this.chats.size): Chat.SupergroupChat {
    const chat: Chat.SupergroupChat = { id, type: "supergroup", title };
    this.chats.set(id, chat);
    return chat;
  }

  /** Any other chat Telegram knows of (a channel, a basic group …). */
  addChat<C extends Chat>(chat: C): C {
    this.chats.set(chat.id, chat);
    return chat;
  }

  setMember(chatId: number, userId: number, status: "creator" | "administrator" | "member" | "left" | "kicked"): void {
    this.members.set(`${chatId}:${userId}`, status);
  }

  /** The bot is blocked by (or kicked from) this chat: every send answers 403. */
  block(chatId: number): void {
    this.blocked.add(chatId);
  }

  /** The next `times` calls to `method` fail with this error. */
  failNext(method: string, code: number, description: string, times = 1, retryAfter?: number): void {
    const list = this.injected.get(method) ?? [];
    for (let i = 0; i < times; i++) list.push(new ApiFailure(code, description, retryAfter));
    this.injected.set(method, list);
  }

  /** The next `times` calls to `method` get no answer: the connection is cut before the call is handled. */
  dropNext(method: string, times = 1): void {
    this.drops.set(method, (this.drops.get(method) ?? 0) + times);
  }
  private takeDrop(method: string): boolean {
    const left = this.drops.get(method) ?? 0;
    if (left === 0) return false;
    this.drops.set(method, left - 1);
    return true;
  }

  // ── What the bot sent ──────────────────────────────────────────────────

  callsTo(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Messages the bot has in a chat, oldest first, as they look now. */
  chatMessages(chatId: number): SeenMessage[] {
    return [...(this.messages.get(chatId)?.values() ?? [])];
  }

  /** Every text the bot ever produced for a chat, including overwritten versions (for privacy scans). */
  everythingSentTo(chatId: number): string {
    return this.calls
      .filter((c) => c.params.chat_id === chatId || String(c.params.chat_id) === String(chatId))
      .map((c) => JSON.stringify(c.params))
      .join("\n");
  }

  // ── Updates from people ────────────────────────────────────────────────

  makeUpdate(body: Omit<Update, "update_id">): Update {
    return { update_id: nextUpdateId++, ...body } as Update;
  }

  messageFrom(user: User, chat: Chat, fields: Partial<Message>): Update {
    const text = fields.text;
    const entities = text?.startsWith("/") ? [{ type: "bot_command" as const, offset: 0, length: text.split(/\s/)[0]!.length }] : undefined;
    const message = {
      message_id: this.allocateMessageId(chat.id),
      date: Math.floor(Date.now() / 1000),
      chat,
      from: user,
      ...(entities ? { entities } : {}),
      ...fields,
    } as Message;
    return this.makeUpdate({ message } as Omit<Update, "update_id">);
  }

  callbackFrom(user: User, message: SeenMessage, data: string): Update {
    return this.makeUpdate({
      callback_query: {
        id: `cq${nextUpdateId}`,
        from: user,
        chat_instance: `ci${message.chatId}`,
        message: message.raw,
        data,
      },
    } as Omit<Update, "update_id">);
  }

  /** A file the person "uploads": returns an id the bot may use with getFile or send again. */
  newFileId(size = 50_000, name?: string): string {
    const id = `file-${this.nextFileId++}`;
    this.files.set(id, { size, name });
    return id;
  }

  /** Queue an update for getUpdates (long polling). */
  enqueueUpdate(update: Update): void {
    this.pendingUpdates.push(update);
    const waiting = this.pollers;
    this.pollers = [];
    for (const wake of waiting) wake();
  }

  /**
   * Hands an update to the bot as Telegram would: by webhook when one is set
   * (one chat's updates one after another, each retried until answered 2xx),
   * otherwise queued for getUpdates. Resolves once it is delivered (webhook)
   * or queued (polling).
   */
  pushUpdate(update: Update): Promise<void> {
    if (!this.webhook) {
      this.enqueueUpdate(update);
      return Promise.resolve();
    }
    const key = String(chatOf(update) ?? `u${update.update_id}`);
    const run = (this.webhookChains.get(key) ?? Promise.resolve()).then(() => this.postUntilAccepted(update));
    this.webhookChains.set(key, run);
    return run;
  }

  /** Resolves once every webhook update pushed so far was accepted. */
  async webhookDrained(): Promise<void> {
    await Promise.all(this.webhookChains.values());
  }

  private async postUntilAccepted(update: Update): Promise<void> {
    let pause = this.webhookRetryMs;
    while (!this.closed && this.webhook) {
      let status = 0;
      try {
        const response = await fetch(this.webhook.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...(this.webhook.secret ? { "X-Telegram-Bot-Api-Secret-Token": this.webhook.secret } : {}) },
          body: JSON.stringify(update),
          signal: AbortSignal.timeout(60_000),
        });
        status = response.status;
        await response.arrayBuffer();
      } catch {
        // no answer: the bot is down or restarting
      }
      this.webhookAttempts.push({ update_id: update.update_id, status });
      if (status >= 200 && status < 300) return;
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 2_000);
    }
  }

  get pendingUpdateCount(): number {
    return this.pendingUpdates.length;
  }

  // ── The Bot API itself ─────────────────────────────────────────────────

  async handle(method: string, params: Record<string, unknown>): Promise<ApiResult> {
    this.calls.push({ method, params, at: Date.now() });
    const delay = this.latency.get(method);
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      const injected = this.injected.get(method)?.shift();
      if (injected) throw injected;
      if (sendMethods.has(method)) this.checkRate();
      return { ok: true, result: await this.dispatch(method, params) };
    } catch (err) {
      if (err instanceof ApiFailure) {
        if (err.code === 429) this.count429++;
        return {
          ok: false,
          error_code: err.code,
          description: err.description,
          ...(err.retryAfter !== undefined ? { parameters: { retry_after: err.retryAfter } } : {}),
        };
      }
      throw err;
    }
  }

  private checkRate(): void {
    if (this.rateLimitPerSecond === undefined) return;
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    if (++this.windowCount > this.rateLimitPerSecond) {
      throw new ApiFailure(429, `Too Many Requests: retry after ${this.retryAfterSeconds}`, this.retryAfterSeconds);
    }
  }

  private async dispatch(method: string, p: Record<string, unknown>): Promise<unknown> {
    switch (method) {
      case "getMe":
        return this.me;
      case "getUpdates":
        return this.getUpdates(p);
      case "setWebhook":
        this.webhook = { url: String(p.url), secret: p.secret_token as string | undefined };
        return true;
      case "deleteWebhook":
        this.webhook = undefined;
        if (p.drop_pending_updates) this.pendingUpdates = [];
        return true;
      case "getWebhookInfo":
        return { url: this.webhook?.url ?? "", has_custom_certificate: false, pending_update_count: this.pendingUpdates.length };
      case "setMyCommands":
      case "deleteMyCommands":
      case "sendChatAction":
      case "setChatMenuButton":
        return true;
      case "sendMessage":
        return this.store(p, { text: String(p.text ?? ""), ...(p.entities ? { entities: p.entities } : {}) }, "text");
      case "sendPhoto":
        return this.store(p, { photo: [{ file_id: this.fileFor(p.photo), file_unique_id: "u", width: 800, height: 600 }], caption: p.caption as string | undefined }, "photo");
      case "sendVoice":
        return this.store(p, { voice: { file_id: this.fileFor(p.voice), file_unique_id: "u", duration: 5 }, caption: p.caption as string | undefined }, "voice");
      case "sendDocument":
        return this.store(p, { document: { file_id: this.fileFor(p.document), file_unique_id: "u", file_name: this.fileName(p.document) }, caption: p.caption as string | undefined }, "document");
      case "sendLocation":
        return this.store(p, { location: { latitude: Number(p.latitude), longitude: Number(p.longitude) } }, "location");
      case "sendMediaGroup": {
        const media = (typeof p.media === "string" ? JSON.parse(p.media) : p.media) as { type: string; media: unknown; caption?: string }[];
        return media.map((m) =>
          this.store({ ...p, reply_markup: undefined }, m.type === "photo"
            ? { photo: [{ file_id: this.fileFor(m.media), file_unique_id: "u", width: 800, height: 600 }], caption: m.caption }
            : { caption: m.caption }, m.type === "photo" ? "photo" : "other"),
        );
      }
      case "copyMessage":
        return { message_id: (this.store(p, { text: "(copied)" }, "other") as Message).message_id };
      case "editMessageText":
        return this.edit(p, (seen) => {
          seen.text = String(p.text ?? "");
          (seen.raw as { text?: string }).text = seen.text;
        });
      case "editMessageCaption":
        return this.edit(p, (seen) => {
          seen.text = String(p.caption ?? "");
          (seen.raw as { caption?: string }).caption = seen.text;
        });
      case "editMessageReplyMarkup":
        return this.edit(p, () => {});
      case "deleteMessage": {
        const chatId = this.chatIdOf(p);
        if (!this.messages.get(chatId)?.delete(Number(p.message_id))) throw new ApiFailure(400, "Bad Request: message to delete not found");
        return true;
      }
      case "answerCallbackQuery": {
        const id = String(p.callback_query_id);
        if (this.answeredQueries.has(id)) throw new ApiFailure(400, "Bad Request: query is too old and response timeout expired or query ID is invalid");
        this.answeredQueries.add(id);
        return true;
      }
      case "getChatMember": {
        const chatId = this.chatIdOf(p);
        const status = this.members.get(`${chatId}:${p.user_id}`) ?? "left";
        return { status, user: { id: Number(p.user_id), is_bot: false, first_name: "Member" } };
      }
      case "getChat":
        return this.requireChat(this.chatIdOf(p));
      case "getFile": {
        const file = this.files.get(String(p.file_id));
        if (!file) throw new ApiFailure(400, "Bad Request: invalid file_id");
        return { file_id: p.file_id, file_unique_id: "u", file_size: file.size, file_path: `files/${p.file_id}` };
      }
      case "leaveChat":
        return true;
      default:
        throw new ApiFailure(404, "Not Found");
    }
  }

  private chatIdOf(p: Record<string, unknown>): number {
    return Number(p.chat_id);
  }

  private requireChat(chatId: number): Chat {
    const chat = this.chats.get(chatId);
    if (!chat) throw new ApiFailure(400, "Bad Request: chat not found");
    if (this.blocked.has(chatId)) {
      throw new ApiFailure(403, chat.type === "private" ? "Forbidden: bot was blocked by the user" : "Forbidden: bot was kicked from the supergroup chat");
    }
    return chat;
  }

  private allocateMessageId(chatId: number): number {
    const id = (this.nextMessageId.get(chatId) ?? 1) + 0;
    this.nextMessageId.set(chatId, id + 1);
    return id;
  }

  private fileFor(input: unknown): string {
    if (typeof input === "string") return input;
    const id = this.newFileId(input instanceof Blob ? input.size : 1000, input instanceof File ? input.name : undefined);
    if (input instanceof Blob) this.uploads.set(id, input);
    return id;
  }

  /** The bytes of a file the bot uploaded (sendDocument, sendPhoto …), by the file id in the stored message. */
  async uploadedFile(fileId: string): Promise<Buffer> {
    const blob = this.uploads.get(fileId);
    if (!blob) throw new Error(`no uploaded file ${fileId}`);
    return Buffer.from(await blob.arrayBuffer());
  }

  private fileName(input: unknown): string | undefined {
    if (input instanceof File) return input.name;
    return typeof input === "string" ? this.files.get(input)?.name : undefined;
  }

  private store(p: Record<string, unknown>, content: Record<string, unknown>, kind: SeenMessage["kind"]): Message {
    const chat = this.requireChat(this.chatIdOf(p));
    const text = String(content.text ?? content.caption ?? "");
    if (kind === "text" && text.trim() === "") throw new ApiFailure(400, "Bad Request: message text is empty");
    if (kind === "text" && text.length > 4096) throw new ApiFailure(400, "Bad Request: message is too long");
    const markup = parseJson(p.reply_markup) as InlineKeyboardMarkup | undefined;
    // Like Telegram, a reply carries the message it replies to (when it still exists in that chat).
    const replyTo = (parseJson(p.reply_parameters) as { message_id?: number } | undefined)?.message_id ?? (p.reply_to_message_id as number | undefined);
    const repliedTo = replyTo !== undefined ? this.messages.get(chat.id)?.get(Number(replyTo))?.raw : undefined;
    const raw = {
      message_id: this.allocateMessageId(chat.id),
      date: Math.floor(Date.now() / 1000),
      chat,
      from: this.me,
      ...(repliedTo ? { reply_to_message: { ...repliedTo, reply_to_message: undefined } } : {}),
      ...stripUndefined(content),
      ...(markup && "inline_keyboard" in markup ? { reply_markup: markup } : {}),
    } as Message;
    const seen: SeenMessage = { message_id: raw.message_id, chatId: chat.id, text, buttons: buttonsOf(markup), kind, raw, edits: 0 };
    if (!this.messages.has(chat.id)) this.messages.set(chat.id, new Map());
    this.messages.get(chat.id)!.set(raw.message_id, seen);
    return raw;
  }

  private edit(p: Record<string, unknown>, apply: (seen: SeenMessage) => void): Message | true {
    const chatId = this.chatIdOf(p);
    this.requireChat(chatId);
    const seen = this.messages.get(chatId)?.get(Number(p.message_id));
    if (!seen) throw new ApiFailure(400, "Bad Request: message to edit not found");
    const before = JSON.stringify([seen.text, seen.buttons]);
    apply(seen);
    const markup = parseJson(p.reply_markup) as InlineKeyboardMarkup | undefined;
    seen.buttons = buttonsOf(markup);
    if (markup && "inline_keyboard" in markup) (seen.raw as { reply_markup?: unknown }).reply_markup = markup;
    else delete (seen.raw as { reply_markup?: unknown }).reply_markup;
    if (JSON.stringify([seen.text, seen.buttons]) === before) {
      throw new ApiFailure(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
    }
    seen.edits++;
    return seen.raw;
  }

  private async getUpdates(p: Record<string, unknown>): Promise<Update[]> {
    const offset = Number(p.offset ?? 0);
    const limit = Math.min(Number(p.limit ?? 100), 100);
    const timeoutMs = Number(p.timeout ?? 0) * 1000;
    this.confirmedOffset = Math.max(this.confirmedOffset, offset);
    // Updates below the offset are confirmed: Telegram forgets them.
    this.pendingUpdates = this.pendingUpdates.filter((u) => u.update_id >= offset);
    if (this.pendingUpdates.length === 0 && timeoutMs > 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.pollers.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.pendingUpdates.filter((u) => u.update_id >= offset).slice(0, limit);
  }

  // ── Transports ─────────────────────────────────────────────────────────

  /** A fetch that answers from this stand-in (in-process tests). */
  readonly fetch = async (input: unknown, init?: { body?: unknown; headers?: unknown }): Promise<Response> => {
    const url = String(input);
    const method = url.slice(url.lastIndexOf("/") + 1);
    // What undici's fetch throws when the connection is reset.
    if (this.takeDrop(method)) throw new TypeError("fetch failed", { cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) });
    const params = await parseBody(init?.body, headerOf(init?.headers, "content-type"));
    const result = await this.handle(method, params);
    return new Response(JSON.stringify(result), { status: result.ok ? 200 : result.error_code, headers: { "content-type": "application/json" } });
  };

  /** Serves the Bot API over HTTP on 127.0.0.1 (over-the-wire tests). */
  async listen(port = 0): Promise<{ apiRoot: string; server: Server; close: () => Promise<void> }> {
    const server = createServer(async (req, res) => {
      const match = /^\/bot([^/]+)\/([A-Za-z]+)/.exec(req.url ?? "");
      if (!match || match[1] !== this.token) {
        res.writeHead(match ? 401 : 404, { "content-type": "application/json" });
        res.end(JSON.stringify({ ok: false, error_code: match ? 401 : 404, description: match ? "Unauthorized" : "Not Found" }));
        return;
      }
      if (this.takeDrop(match[2]!)) {
        req.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const query = Object.fromEntries(new URL(req.url!, "http://x").searchParams);
      const params = { ...query, ...(await parseBody(Buffer.concat(chunks), req.headers["content-type"])) };
      const result = await this.handle(match[2]!, params);
      res.writeHead(result.ok ? 200 : result.error_code, { "content-type": "application/json" });
      res.end(JSON.stringify(result));
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const { port: actual } = server.address() as AddressInfo;
    return {
      apiRoot: `http://127.0.0.1:${actual}`,
      server,
      close: async () => {
        this.closed = true;
        for (const wake of this.pollers.splice(0)) wake();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }
}

function chatOf(update: Update): number | undefined {
  return (
    update.message?.chat.id ??
    update.edited_message?.chat.id ??
    update.callback_query?.message?.chat.id ??
    update.my_chat_member?.chat.id ??
    update.chat_member?.chat.id ??
    update.callback_query?.from.id
  );
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const entry = Object.entries(headers as Record<string, string>).find(([k]) => k.toLowerCase() === name);
  return entry?.[1];
}

async function parseBody(body: unknown, contentType: string | undefined): Promise<Record<string, unknown>> {
  if (body === undefined || body === null) return {};
  let buffer: Buffer;
  if (typeof body === "string") buffer = Buffer.from(body);
  else if (Buffer.isBuffer(body)) buffer = body;
  else {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
    buffer = Buffer.concat(chunks);
  }
  if (buffer.length === 0) return {};
  if (contentType?.startsWith("multipart/form-data")) {
    const form = parseMultipart(buffer, contentType);
    const out: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) out[key] = typeof value === "string" ? parseMaybeJson(value) : value;
    // grammY sends attachments as "attach://<id>" references to other parts.
    for (const [key, value] of Object.entries(out)) {
      if (typeof value === "string" && value.startsWith("attach://")) out[key] = form.get(value.slice(9)) ?? value;
    }
    return out;
  }
  if (contentType?.startsWith("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(buffer.toString()));
  }
  return JSON.parse(buffer.toString()) as Record<string, unknown>;
}

/**
 * multipart/form-data as Telegram reads it. grammY writes file parts as
 * `filename=a.png` (unquoted), which Telegram accepts and undici's strict
 * FormData parser refuses, so the parts are split here.
 */
function parseMultipart(body: Buffer, contentType: string): Map<string, string | File> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const delimiter = Buffer.from(`--${boundary?.[1] ?? boundary?.[2] ?? ""}`);
  const parts = new Map<string, string | File>();
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // after CRLF, before CRLF
    const headerEnd = part.indexOf("\r\n\r\n");
    const headers = part.subarray(0, headerEnd).toString();
    const content = part.subarray(headerEnd + 4);
    const name = /(?:^|[;\s])name="?([^";\r\n]+)"?/i.exec(headers)?.[1];
    const filename = /filename="?([^";\r\n]+)"?/i.exec(headers)?.[1];
    if (name) parts.set(name, filename !== undefined ? new File([content], filename) : content.toString());
    at = next;
  }
  return parts;
}

function parseMaybeJson(value: string): unknown {
  if (/^[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

function parseJson(value: unknown): unknown {
  return typeof value === "string" ? parseMaybeJson(value) : value;
}

function stripUndefined(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

function buttonsOf(markup: InlineKeyboardMarkup | undefined): SeenMessage["buttons"] {
  if (!markup || !("inline_keyboard" in markup)) return [];
  return markup.inline_keyboard.map((row) =>
    row.map((b) => ({ text: b.text, ...("callback_data" in b ? { data: b.callback_data } : {}), ...("url" in b ? { url: b.url } : {}) })),
  );
}
