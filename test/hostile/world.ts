/**
 * The lasting set-up of the hostile-input tests: two linked council groups
 * (Ta Phou = council A, Treas = council B) with complaints of council B
 * delivered to B's group through the real queue, a member of A's group, a
 * former member of B's group, a basic group linked to nobody, a channel, and
 * the staff member who linked the groups.
 */
import type { Chat, User } from "grammy/types";
import { communes } from "../support/areas.js";
import type { TestEnvironment } from "../support/env.js";
import type { FakeTelegram } from "../support/fake-telegram.js";
import { createHarness } from "../support/harness.js";
import { citizen, delivered, fileThroughBot, linkCouncil, staff } from "../features/complaints/support.js";

/** Who can act in a step: people in their private chats and in groups. */
export interface Actor {
  user: User;
  chat: Chat;
}

/** What lasts across sequences: the groups, their members and the complaints of council B. */
export interface World {
  fake: FakeTelegram;
  /** A member of Ta Phou's council group (council A): never of Treas's complaints. */
  memberA: Actor;
  /** Someone in Treas's council group (council B) who is no longer a member. */
  formerB: Actor;
  /** A member of a basic group that is linked to no council. */
  unlinked: Actor;
  channel: Chat.ChannelChat;
  /** Complaints that belong to council B, with their messages in B's group. */
  complaintsOfB: number[];
  groupA: Chat.SupergroupChat;
  groupB: Chat.SupergroupChat;
  /** Staff, in their private chat. */
  staff: Actor;
}

export async function seedWorld(env: TestEnvironment): Promise<World> {
  // Complaints reach council B's group through the real queue: a harness with workers, closed afterwards.
  const seeding = await createHarness(env);
  seeding.startWorkers();
  try {
    const dara = await staff(seeding, env);
    const groupA = seeding.group("Ta Phou council");
    const groupB = seeding.group("Treas council");
    await linkCouncil(dara, groupA, communes.taPhou);
    await linkCouncil(dara, groupB, communes.treas);
    const complaintsOfB: number[] = [];
    for (const [lang, anonymous] of [["km", true], ["en", false]] as const) {
      const author = await citizen(seeding, env, lang, communes.treas, { first_name: "Author" });
      const filed = await fileThroughBot(env, author, lang, { category: "other", text: "The well at the school has been dry for a month.", anonymous });
      await delivered(groupB, filed.reference);
      complaintsOfB.push(filed.id);
    }
    const memberA = groupA.member({ first_name: "Member A", language_code: "km" });
    const formerB = groupB.member({ first_name: "Former B" });
    seeding.fake.setMember(groupB.id, formerB.id, "left");
    const basic = seeding.fake.addChat<Chat.GroupChat>({ id: -4_000_000_001, type: "group", title: "Village friends" });
    const unlinkedUser = seeding.fake.newUser({ first_name: "Neighbour", language_code: "en" });
    seeding.fake.setMember(basic.id, unlinkedUser.id, "member");
    const channel = seeding.fake.addChat<Chat.ChannelChat>({ id: -1_009_000_000_001, type: "channel", title: "News" });
    return {
      fake: seeding.fake,
      memberA: { user: memberA.user, chat: memberA.chat },
      formerB: { user: formerB.user, chat: formerB.chat },
      unlinked: { user: unlinkedUser, chat: basic },
      channel,
      complaintsOfB,
      groupA: groupA.chat,
      groupB: groupB.chat,
      staff: { user: dara.user, chat: dara.chat },
    };
  } finally {
    await seeding.close();
  }
}

