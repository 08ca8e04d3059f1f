/**
 * The local Bot API stand-in in its own process for bench:broadcast, so the
 * app under test has its CPU to itself (Telegram is not in our process either).
 * Driven over IPC: "start" (limit) → apiRoot; "chats" (n) → ids; "report" (text) → figures.
 */
import { FakeTelegram } from "../test/support/fake-telegram.js";

type Request = { id: number } & ({ type: "start"; limit: number } | { type: "chats"; n: number } | { type: "report"; text: string; chatIds: number[] });

const fake = new FakeTelegram();
let close: (() => Promise<void>) | undefined;

process.on("message", async (request: Request) => {
  const reply = (body: unknown) => process.send!({ id: request.id, body });
  switch (request.type) {
    case "start": {
      fake.rateLimitPerSecond = request.limit;
      const api = await fake.listen();
      close = api.close;
      return reply({ apiRoot: api.apiRoot });
    }
    case "chats":
      return reply({
        ids: Array.from({ length: request.n }, () => {
          const user = fake.newUser();
          fake.addPrivateChat(user);
          return user.id;
        }),
      });
    case "report": {
      const sends = fake.callsTo("sendMessage").filter((c) => c.params.text === request.text);
      let duplicates = 0;
      let missing = 0;
      for (const chatId of request.chatIds) {
        const got = fake.chatMessages(chatId).filter((m) => m.text === request.text).length;
        if (got === 0) missing++;
        if (got > 1) duplicates += got - 1;
      }
      // Sends per second of the run, to see stalls and bursts.
      const perSecond: number[] = [];
      for (const c of sends) perSecond[Math.floor((c.at - sends[0]!.at) / 1000)] = (perSecond[Math.floor((c.at - sends[0]!.at) / 1000)] ?? 0) + 1;
      await close?.();
      return reply({ firstAt: sends[0]?.at ?? 0, lastAt: sends.at(-1)?.at ?? 0, count429: fake.count429, duplicates, missing, perSecond: Array.from(perSecond, (n) => n ?? 0), rssMb: process.memoryUsage().rss / 1e6 });
    }
  }
});
