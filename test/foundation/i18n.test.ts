import { describe, expect, it } from "vitest";
import { formatDate, formatDateTime, formatNumber, formatTime, fromKhmerDigits, toKhmerDigits } from "../../src/i18n.js";

const tz = "Asia/Phnom_Penh";

describe("numbers and dates per language", () => {
  it("writes Khmer digits and the Khmer date form of CATALOGUE.md", () => {
    // 01:30 UTC is 08:30 in Phnom Penh.
    const date = new Date("2024-08-31T01:30:00Z");
    expect(formatDate(date, "km", tz)).toBe("ថ្ងៃសៅរ៍ ទី៣១ ខែសីហា ឆ្នាំ២០២៤");
    expect(formatTime(date, "km", tz)).toBe("ម៉ោង ៨:៣០ ព្រឹក");
    expect(formatDateTime(date, "en", tz)).toBe("Saturday 31 August 2024, 08:30");
  });

  it("names the time of day in Khmer", () => {
    const at = (hourUtc: number) => formatTime(new Date(Date.UTC(2026, 0, 1, hourUtc, 5)), "km", tz);
    expect([at(5), at(7), at(11), at(14), at(17)]).toEqual(["ម៉ោង ១២:០៥ ថ្ងៃត្រង់", "ម៉ោង ២:០៥ រសៀល", "ម៉ោង ៦:០៥ ល្ងាច", "ម៉ោង ៩:០៥ យប់", "ម៉ោង ១២:០៥ យប់"]);
  });

  it("uses Phnom Penh's date, not the server's, near midnight", () => {
    expect(formatDate(new Date("2026-12-31T18:00:00Z"), "en", tz)).toBe("Friday 1 January 2027");
  });

  it("formats numbers and converts digits both ways", () => {
    expect(formatNumber(1234.56, "km")).toBe("១.២៣៤,៦");
    expect(formatNumber(1234.56, "en")).toBe("1,234.6");
    expect(toKhmerDigits("MT-2026-000123")).toBe("MT-២០២៦-០០០១២៣");
    expect(fromKhmerDigits("៥/១២ ៨:០០")).toBe("5/12 8:00");
  });
});
