/** Comparing a secret someone gave (a password, a link's code) with the real one. */
import { createHash, timingSafeEqual } from "node:crypto";

/** True when they are equal, in constant time: both sides are hashed first, so neither a length nor a prefix shows in the timing. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
