/** Who may act in a council's group, asked of Telegram itself (getChatMember). */
import type { Api } from "grammy";

export async function isGroupMember(api: Api, chatId: number, userId: number): Promise<boolean> {
  try {
    const member = await api.getChatMember(chatId, userId);
    return member.status === "creator" || member.status === "administrator" || member.status === "member" || (member.status === "restricted" && member.is_member);
  } catch {
    return false;
  }
}

/**
 * A group administrator. An admin posting anonymously "as the group" comes
 * with sender_chat = the group itself: only admins can do that.
 */
export async function isGroupAdmin(api: Api, chatId: number, userId: number, senderChatId?: number): Promise<boolean> {
  if (senderChatId === chatId) return true;
  try {
    const member = await api.getChatMember(chatId, userId);
    return member.status === "creator" || member.status === "administrator";
  } catch {
    return false;
  }
}
