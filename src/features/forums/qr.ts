/** A forum's check-in link (?start=f_<id>) and its QR code as a PNG, for staff to print or show on a screen. */
import QRCode from "qrcode";

export const CHECKIN_PAYLOAD = /^f_(\d{1,9})$/;

export function checkinLink(botUsername: string, forumId: number): string {
  return `https://t.me/${botUsername}?start=f_${forumId}`;
}

/** A PNG large enough to scan from a printed A4 sheet across a meeting hall. */
export function checkinQrPng(link: string): Promise<Buffer> {
  return QRCode.toBuffer(link, { type: "png", errorCorrectionLevel: "M", margin: 2, width: 720 });
}
