/**
 * Long polling that confirms an update only once it has been handled.
 *
 * Telegram forgets every update below the `offset` of a getUpdates call. The
 * loop asks with offset = the oldest update not yet fully handled, so a crash
 * (SIGKILL, power loss) loses nothing: the next process gets the unfinished
 * updates again (and the update gate, update-gate.ts, skips those that had finished).
 *
 *   getUpdates(offset = oldest unfinished) ─▶ updates not seen before start at once,
 *       one chat's in arrival order (a chain per chat), other chats in parallel
 *   an update failing for a transient reason (Postgres or Redis away) is
 *       tried again in its chat's chain after a growing pause, so the chat's
 *       later updates wait behind it and the offset stays below it
 *   nothing in flight: the next call long-polls; otherwise the loop asks
 *       again once a quarter of its window is free (each answer repeats the
 *       updates in hand, so asking sooner mostly fetches them again), or
 *       after an update settles when 250 ms have passed: a slow chat delays
 *       another chat's new update by a quarter second at most. Never more
 *       often than every 20 ms.
 *
 * At most `limit` (UPDATE_CONCURRENCY; 100 at most, Telegram's maximum) updates beyond the oldest
 * unfinished one are in flight: one very slow update holds back updates that
 * arrive after a hundred others, never the ones already taken.
 */
import { Context, type Bot } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "../log.js";
import { isTransientFailure } from "./transient.js";

export type AllowedUpdate = "message" | "edited_message" | "callback_query" | "my_chat_member" | "chat_member";

export interface PollingOptions {
  allowedUpdates: AllowedUpdate[];
  log: Logger;
  /** Seconds one getUpdates waits for news (Telegram's long-polling timeout). */
  timeoutSeconds?: number;
  /** First pause before an update that failed for a transient reason is tried again; it doubles up to 5 s. */
  retryPauseMs?: number;
  /** Updates in hand at most, counted from the oldest unfinished one (1–100, Telegram's maximum per getUpdates). */
  limit?: number;
}

const LIMIT = 100;
const MAX_RETRY_PAUSE_MS = 5_000;

export class LongPolling<C extends Context> {
  private stopping = false;
  private readonly abort = new AbortController();
  /** Ids of updates taken and not yet fully handled (a deferred one stays until it is). */
  private readonly unfinished = new Set<number>();
  /** One chat's updates run one after another: the tail of each chat's chain. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Every update below this id has been taken (handled or in `unfinished`). */
  private taken = 0;
  private loop: Promise<void> | undefined;
  /** Called as each update settles while the loop waits to ask again. */
  private wakeOnSettle: (() => void) | undefined;
  private wakeFromPause = new Set<() => void>();

  constructor(
    private readonly bot: Bot<C>,
    private readonly options: PollingOptions,
  ) {}

  /** Everything below this is handled: what getUpdates may confirm. */
  private get confirmable(): number {
    let lowest = this.taken;
    for (const id of this.unfinished) if (id < lowest) lowest = id;
    return lowest;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Takes no more updates, lets those in flight finish, and confirms what they handled. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.abort.abort();
    for (const wake of this.wakeFromPause) wake();
    this.wakeOnSettle?.();
    await this.loop;
    await Promise.all(this.chains.values());
    // Best effort: tell Telegram what was handled, so the next process does not get it again.
    await this.api
      .getUpdates({ offset: this.confirmable, limit: 1, timeout: 0, allowed_updates: this.options.allowedUpdates }, AbortSignal.timeout(2_000) as never)
      .catch(() => {});
  }

  private get api() {
    return this.bot.api;
  }

  private async run(): Promise<void> {
    const { log } = this.options;
    let failures = 0;
    let lastFetch = 0;
    while (!this.stopping) {
      let updates: Update[];
      try {
        lastFetch = Date.now();
        updates = await this.api.getUpdates(
          {
            offset: this.confirmable,
            limit: Math.min(LIMIT, this.options.limit ?? LIMIT),
            // Long-poll only when caught up: otherwise unconfirmed updates make Telegram answer at once anyway.
            timeout: this.unfinished.size === 0 ? (this.options.timeoutSeconds ?? 30) : 0,
            allowed_updates: this.options.allowedUpdates,
          },
          this.abort.signal as never,
        );
        failures = 0;
      } catch (err) {
        if (this.stopping) break;
        failures++;
        const conflict = (err as { error_code?: number }).error_code === 409;
        const pause = conflict ? 5_000 : Math.min(500 * 2 ** (failures - 1), 10_000);
        log.warn({ err: String(err), pause_ms: pause }, conflict ? "getUpdates conflict: another process polls this bot, or a webhook is set" : "getUpdates failed; trying again");
        await this.pause(pause);
        continue;
      }
      for (const update of updates) {
        if (update.update_id < this.taken) continue; // taken earlier, not yet confirmable
        this.taken = update.update_id + 1;
        this.schedule(update);
      }
      if (this.unfinished.size > 0 && !this.stopping) {
        // A getUpdates cannot long-poll past an unconfirmed update, and a chat held up (a slow or deferred
        // update) must not hold up the others: ask again once there is room for a useful answer, or a
        // quarter of a second on.
        const window = Math.min(LIMIT, this.options.limit ?? LIMIT);
        const worthAsking = () => this.unfinished.size === 0 || window - (this.taken - this.confirmable) >= Math.max(1, window / 4) || Date.now() - lastFetch >= 250;
        await Promise.race([
          new Promise<void>((resolve) => (this.wakeOnSettle = () => worthAsking() && resolve())),
          this.pause(250),
        ]);
        this.wakeOnSettle = undefined;
        const gap = this.unfinished.size === 0 ? 0 : 20 - (Date.now() - lastFetch);
        if (gap > 0) await this.pause(gap);
      }
    }
  }

  private schedule(update: Update): void {
    const id = update.update_id;
    this.unfinished.add(id);
    const chatId = new Context(update, this.bot.api, this.bot.botInfo).chatId;
    const key = chatId === undefined ? `update:${id}` : String(chatId);
    const run = (this.chains.get(key) ?? Promise.resolve())
      .then(() => this.handleUntilDone(update))
      .then((handled) => {
        if (handled) this.unfinished.delete(id);
        if (this.chains.get(key) === run) this.chains.delete(key);
        this.wakeOnSettle?.();
      });
    this.chains.set(key, run);
  }

  /**
   * True once handled (or given up as a bug); false when left for the next
   * process at shutdown (not started yet, or waiting to be tried again).
   */
  private async handleUntilDone(update: Update): Promise<boolean> {
    let pause = this.options.retryPauseMs ?? 500;
    for (;;) {
      if (this.stopping) return false;
      try {
        await this.bot.handleUpdate(update);
        return true;
      } catch (err) {
        if (!isTransientFailure(err)) {
          // The error boundary answers bugs; what escapes it is logged and the update confirmed, as before.
          this.options.log.error({ err: String(err), update_id: update.update_id }, "update failed outside the error boundary");
          return true;
        }
        await this.pause(pause);
        pause = Math.min(pause * 2, MAX_RETRY_PAUSE_MS);
      }
    }
  }

  /** Sleeps, cut short by stop(). */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeFromPause.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeFromPause.add(done);
    });
  }
}
