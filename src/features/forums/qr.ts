/**
 * A forum's check-in link (?start=f_<id>_<code>) and its QR code as a PNG, for staff to print
 * or show on a screen. The code is the forum's own secret (forums.checkin_code): with the id
 * alone anyone could check in to any forum of the day from home, one id after another.
 */
import type QRCodeModule from "qrcode";
import type { Forum } from "../../db/schema/index.js";

/** Anything shaped like a check-in link, so that a mistyped or outdated one (no code) is answered as such. */
export const CHECKIN_PAYLOAD = /^f_(\d{1,9})(?:_([\w-]{1,40}))?$/;

export function checkinLink(botUsername: string, forum: Pick<Forum, "id" | "checkinCode">): string {
  return `https://t.me/${botUsername}?start=f_${forum.id}_${forum.checkinCode}`;
}

// qrcode (with pngjs) is some 10 MB once loaded: it is loaded by the first QR code, not by every
// process at start (RSS on small servers).
let qrcode: Promise<typeof QRCodeModule> | undefined;
const loadQrcode = () => (qrcode ??= import("qrcode").then((m) => m.default));

/** A PNG large enough to scan from a printed A4 sheet across a meeting hall. */
export async function checkinQrPng(link: string): Promise<Buffer> {
  const QRCode = await loadQrcode();
  return QRCode.toBuffer(link, { type: "png", errorCorrectionLevel: "M", margin: 2, width: 720 });
}
