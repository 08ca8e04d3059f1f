/** A forum's check-in link (?start=f_<id>) and its QR code as a PNG, for staff to print or show on a screen. */
import type QRCodeModule from "qrcode";

export const CHECKIN_PAYLOAD = /^f_(\d{1,9})$/;

export function checkinLink(botUsername: string, forumId: number): string {
  return `https://t.me/${botUsername}?start=f_${forumId}`;
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
