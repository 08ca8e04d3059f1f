/**
 * ensureCommune as another feature uses it: inside that feature's own
 * conversation, on a bot built with createBot and the real features.
 */
import { Composer } from "grammy";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBot } from "../../../src/bot/create-bot.js";
import type { MatiContext, MatiConversation, MatiConversationContext } from "../../../src/bot/context.js";
import type { Feature } from "../../../src/bot/feature.js";
import { users } from "../../../src/db/schema/index.js";
import { placeName } from "../../../src/features/areas/names.js";
import { ensureCommune } from "../../../src/features/areas/picker.js";
import { allFeatures, CommandMenus } from "../../../src/features/index.js";
import { createLogger } from "../../../src/log.js";
import { createQueues, closeQueues } from "../../../src/queue/queues.js";
import { communes, seedSmallGazetteer } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { FakeTelegram, testBotInfo } from "../../support/fake-telegram.js";
import { Person } from "../../support/harness.js";
import { onboard } from "../../support/onboarding.js";

const env = useTestEnvironment();
const fake = new FakeTelegram();
let person: (fields?: Parameters<FakeTelegram["newUser"]>[0]) => Person;
let queues: ReturnType<typeof createQueues>;

/** A colleague's feature: /where asks where you live only if it does not know yet. */
function whereFeature(db: typeof env.db): Feature {
  const composer = new Composer<MatiContext>();
  composer.command("where", (ctx) => ctx.conversation.enter("where"));
  return {
    name: "where",
    composer,
    conversations: {
      where: async (conversation: MatiConversation, ctx: MatiConversationContext) => {
        const { commune, ctx: next, messageId } = await ensureCommune(conversation, ctx, { db });
        const text = `You live in ${placeName(commune, "en")}`;
        if (messageId === undefined) await next.reply(text);
        else await next.api.editMessageText(next.chatId!, messageId, text);
      },
    },
  };
}

beforeAll(async () => {
  await seedSmallGazetteer(env.db);
  const config = env.config();
  const log = createLogger("silent");
  queues = createQueues(env.redis, config.REDIS_PREFIX);
  const bot = createBot({
    config,
    db: env.db,
    redis: env.redis,
    log,
    features: [whereFeature(env.db), ...allFeatures({ commandMenus: new CommandMenus(), config, db: env.db, redis: env.redis, queues, log })],
    botInfo: testBotInfo,
    client: { fetch: fake.fetch as never },
  });
  person = (fields = {}) => {
    const user = fake.newUser({ language_code: "en", ...fields });
    return new Person(fake, (u) => bot.handleUpdate(u), user, fake.addPrivateChat(user));
  };
});
afterAll(() => closeQueues(queues));

describe("ensureCommune", () => {
  it("asks with the picker, saying why, when the person has no commune yet, and saves it", async () => {
    const p = person();
    await p.send("/where");
    expect(p.last().text).toContain("First, please tell me where you live.");
    await p.press("Takéo");
    await p.press("Srok Angkor Borei");
    await p.press("Khum Ponley");
    expect(p.last().text).toBe("You live in Khum Ponley, Srok Angkor Borei, Takéo");
    expect(p.messages()).toHaveLength(1);
    const [row] = await env.db.select().from(users).where(eq(users.telegramId, p.id));
    expect(row?.communeCode).toBe(communes.ponleyTakeo);
  });

  it("answers at once for someone whose commune is known", async () => {
    const p = person();
    await onboard(p, "en");
    await p.send("/where");
    expect(p.last().text).toBe("You live in Sangkat Preaek Chrey, Krong Sampeou Poun, Kandal");
  });
});
