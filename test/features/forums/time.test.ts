/** Forum times as staff type them, read in Asia/Phnom_Penh; reminder offsets. */
import { describe, expect, it } from "vitest";
import { describeOffset, durationMs, parseClock, parseForumTime, parseReminderOffsets } from "../../../src/features/forums/time.js";

const tz = "Asia/Phnom_Penh";
const now = new Date("2026-11-20T03:00:00Z"); // Friday 20 November 2026, 10:00 in Phnom Penh
const at = (iso: string) => new Date(iso);

describe("parseForumTime", () => {
  it.each([
    ["2026-12-05 08:00", "2026-12-05T01:00:00Z"],
    ["5/12 8am", "2026-12-05T01:00:00Z"],
    ["05/12/2026 14:30", "2026-12-05T07:30:00Z"],
    ["5.12.26 2pm", "2026-12-05T07:00:00Z"],
    ["៥/១២/២០២៦ ៨:០០", "2026-12-05T01:00:00Z"],
    ["៥/១២ ម៉ោង ២ រសៀល", "2026-12-05T07:00:00Z"],
    ["៥/១២ ម៉ោង ៦:៣០ ល្ងាច", "2026-12-05T11:30:00Z"],
    ["5/12 12pm", "2026-12-05T05:00:00Z"],
    ["20/11 9:00", "2027-11-20T02:00:00Z"], // 9:00 today has passed: next year's
  ])("reads %s", (typed, expected) => {
    expect(parseForumTime(typed, now, tz)).toEqual({ ok: true, date: at(expected) });
  });

  it("refuses the past, a missing time and nonsense", () => {
    expect(parseForumTime("2026-11-19 08:00", now, tz)).toEqual({ ok: false, reason: "past" });
    expect(parseForumTime("20/11/2026 9:00", now, tz)).toEqual({ ok: false, reason: "past" });
    expect(parseForumTime("5/12/2026", now, tz)).toEqual({ ok: false, reason: "no_time" });
    expect(parseForumTime("31/2/2027 8:00", now, tz)).toEqual({ ok: false, reason: "unreadable" });
    expect(parseForumTime("5/12 25:00", now, tz)).toEqual({ ok: false, reason: "unreadable" });
    expect(parseForumTime("next Saturday", now, tz)).toEqual({ ok: false, reason: "unreadable" });
  });

  it("reads clock times alone", () => {
    expect(parseClock("8:30")).toEqual({ hour: 8, minute: 30 });
    expect(parseClock("2pm")).toEqual({ hour: 14, minute: 0 });
    expect(parseClock("12am")).toEqual({ hour: 0, minute: 0 });
    expect(parseClock("ម៉ោង ៧ យប់")).toEqual({ hour: 19, minute: 0 });
    expect(parseClock("13pm")).toBeNull();
  });
});

describe("reminder offsets", () => {
  it("reads shorthands and ISO durations, longest first, without repeats", () => {
    expect(parseReminderOffsets("3d, 1d 2h")).toEqual(["P3D", "P1D", "PT2H"]);
    expect(parseReminderOffsets("PT2H P1D 24h")).toEqual(["P1D", "PT2H"]);
    expect(parseReminderOffsets("៣d")).toEqual(["P3D"]);
    expect(parseReminderOffsets("soon")).toBeNull();
    expect(durationMs("PT1H30M")).toBe(5_400_000);
    expect(durationMs("P")).toBeNull();
  });

  it("describes them in both languages", () => {
    expect(describeOffset("P1D", "en")).toBe("1 day");
    expect(describeOffset("PT2H", "km")).toBe("២ ម៉ោង");
    expect(describeOffset("P3D", "km")).toBe("៣ ថ្ងៃ");
  });
});
