/**
 * What a conversation's saved state keeps of the messages in it.
 *
 * Conversations v2 saves a replay log: every update the conversation waited
 * for and every Bot API result it received, so that the next update can
 * replay the code up to where it stopped. Most of that log is the bot's own
 * messages told back to it: a button press carries the whole message it was
 * pressed on (text, keyboard, the bot's profile), and every edit returns the
 * edited message in full. A six-question rating saved about 33 KB, read,
 * parsed, written and sent to Redis again on every step.
 *
 * Conversation code uses only where such a message is (chat, id, thread) and
 * whether it can still be edited (date): never its text or buttons, which the
 * code itself wrote. So before the state is saved, the bot's messages in it
 * keep those fields and drop the rest; what people sent (their text, photo,
 * voice, location) is kept whole. The same rating saves about 10 KB.
 */
import { getTableColumns } from "drizzle-orm";
import type { Message, Update } from "grammy/types";
import { users, type User } from "../db/schema/index.js";
import type { Language } from "../i18n.js";

/** Fields of a bot message that conversation code reads after a replay; the rest is dropped from the saved state. */
const KEPT_FIELDS = ["message_id", "date", "chat", "message_thread_id", "is_topic_message", "business_connection_id"] as const;

type SlimMessage = Pick<Message, (typeof KEPT_FIELDS)[number]>;

function slimMessage(message: Message): SlimMessage {
  const slim: Record<string, unknown> = {};
  for (const field of KEPT_FIELDS) if (message[field] !== undefined) slim[field] = message[field];
  const chat = message.chat;
  // The chat's id and type are what replies and edits need; its title or names change and are not read.
  slim.chat = { id: chat.id, type: chat.type };
  return slim as SlimMessage;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
const isMessage = (value: unknown): value is Message => isObject(value) && typeof value.message_id === "number" && isObject(value.chat);

/**
 * One recorded value: an update waited for, or a Bot API call's outcome
 * (`{ ok, res }` around Telegram's raw answer `{ ok, result }`). Anything else
 * (an `external` result) is left as it is.
 */
function slimRecorded(value: unknown): unknown {
  if (!isObject(value)) return value;
  if (typeof value.update_id === "number") {
    const update = value as unknown as Update;
    const pressed = update.callback_query?.message;
    if (!isMessage(pressed)) return value;
    return { ...update, callback_query: { ...update.callback_query!, message: slimMessage(pressed) } };
  }
  const answer = value.res;
  if (value.ok === true && isObject(answer) && answer.ok === true && isMessage(answer.result)) {
    return { ...value, res: { ...answer, result: slimMessage(answer.result) } };
  }
  return value;
}

interface ReplayLog {
  receive?: { send: number; returnValue?: unknown }[];
}

/**
 * The state as conversations() hands it to the storage adapter
 * (`{ version, state: { [conversation]: [{ replay, … }] } }`), with the bot's
 * messages in its replay logs slimmed. Returns a new object; shapes it does
 * not recognise pass through unchanged.
 */
export function slimConversationState<T>(saved: T): T {
  if (!isObject(saved) || !isObject(saved.state)) return saved;
  const state: Record<string, unknown> = {};
  for (const [id, instances] of Object.entries(saved.state)) {
    state[id] = !Array.isArray(instances)
      ? instances
      : instances.map((instance: unknown) => {
          if (!isObject(instance) || !isObject(instance.replay)) return instance;
          const replay = instance.replay as ReplayLog;
          if (!Array.isArray(replay.receive)) return instance;
          return {
            ...instance,
            replay: { ...replay, receive: replay.receive.map((entry) => ({ ...entry, returnValue: slimRecorded(entry.returnValue) })) },
          };
        });
  }
  return { ...saved, state } as T;
}

/** The users columns that hold a date (consented, onboarded, created, updated), from the schema. */
const userDateFields = Object.entries(getTableColumns(users))
  .filter(([, column]) => column.dataType === "date")
  .map(([field]) => field as keyof User);

/** The saved state is JSON, which turns dates into strings: give them back their type. */
export function reviveUser(user: User | undefined): User | undefined {
  if (!user) return undefined;
  const revived: Record<string, unknown> = { ...user };
  for (const field of userDateFields) if (typeof revived[field] === "string") revived[field] = new Date(revived[field]);
  return revived as unknown as User;
}

/** What conversations see of the outer context at each step: the person and their language then. */
export interface PersonSnapshot {
  user: User | undefined;
  lang: Language;
}

/** Recorded for a step whose person and language are those of the step before. */
const SAME = "same";
type RecordedSnapshot = PersonSnapshot | typeof SAME;

/** Per run of a conversation (conversations v2 makes a new Conversation object for each, rewinds included): the last step's snapshot. */
const lastSnapshot = new WeakMap<object, PersonSnapshot>();

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (a instanceof Date && b instanceof Date && a.getTime() === b.getTime());
}

function samePerson(a: User | undefined, b: User | undefined): boolean {
  if (!a || !b) return a === b;
  const fields = Object.keys(a) as (keyof User)[];
  return fields.length === Object.keys(b).length && fields.every((field) => sameValue(a[field], b[field]));
}

/**
 * How a conversation's plugin records the person and language at each step
 * (`conversation.external({ task, ...recordSnapshot(conversation) })`).
 *
 * Why: every step of a conversation records them, and outside onboarding
 * (which changes the person at each step) they nearly always are what they
 * were a step before. Recorded in full each time, the person was about 45% of
 * a saved complaint's state, parsed, cloned and written again at every step;
 * a rating near its end saved 9.5 KB, now 6.3 KB (bench:updates, 300 users):
 * less Redis memory per conversation in progress (the CPU saved did not show
 * beyond the benchmark's noise).
 * A step whose snapshot equals the previous step's records "same";
 * loading it gives the previous step's snapshot again (the same object).
 * The steps of a run come in order, live or replayed, so "the previous step"
 * is the same one when the state is written and when it is read back.
 */
export function recordSnapshot(run: object) {
  return {
    beforeStore(snapshot: PersonSnapshot): RecordedSnapshot {
      const previous = lastSnapshot.get(run);
      return previous && previous.lang === snapshot.lang && samePerson(previous.user, snapshot.user) ? SAME : snapshot;
    },
    afterLoad(recorded: RecordedSnapshot): PersonSnapshot {
      let snapshot: PersonSnapshot;
      if (recorded === SAME) {
        const previous = lastSnapshot.get(run);
        if (!previous) throw new Error("a conversation's saved state says 'same person' at its first step");
        snapshot = previous;
      } else {
        snapshot = { ...recorded, user: reviveUser(recorded.user) };
      }
      lastSnapshot.set(run, snapshot);
      return snapshot;
    },
  };
}
