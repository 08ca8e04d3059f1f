/** Group commit: calls made while a batch is in flight share the next statement; each gets its own answer. */
import { describe, expect, it } from "vitest";
import { batched } from "../../src/db/batched.js";

describe("batched", () => {
  it("runs a lone call at once, and gathers the calls made meanwhile into the next batch", async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const double = batched<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items.map((i) => i * 2);
    });
    const first = double(1);
    await new Promise((r) => setImmediate(r));
    // The first batch is in flight: these wait for it and then go together.
    const rest = [double(2), double(3), double(4)];
    release();
    expect(await first).toBe(2);
    expect(await Promise.all(rest)).toEqual([4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it("calls made in the same turn share the first batch; a batch never exceeds maxBatch", async () => {
    const batches: number[][] = [];
    const echo = batched<number, number>(async (items) => (batches.push(items), items), { maxBatch: 3 });
    expect(await Promise.all([1, 2, 3, 4, 5].map(echo))).toEqual([1, 2, 3, 4, 5]);
    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
  });

  it("a failing batch rejects its own callers only; the next batch still runs", async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const run = batched<string, string>(async (items) => {
      calls++;
      if (calls === 1) {
        await gate;
        throw new Error("deadlock detected");
      }
      return items.map((i) => i.toUpperCase());
    });
    const failing = run("a");
    await new Promise((r) => setImmediate(r));
    const later = run("b");
    release();
    await expect(failing).rejects.toThrow("deadlock detected");
    expect(await later).toBe("B");
  });

  it("refuses a batch that answers for the wrong number of items", async () => {
    const broken = batched<number, number>(async () => [1]);
    await expect(Promise.all([broken(1), broken(2)])).rejects.toThrow("batch returned 1 results for 2 items");
  });
});
