/**
 * A V8 CPU profile of the current process between start and stop (open the
 * file in Chrome DevTools). With BENCH_ALLOCATIONS=1, also a sampling profile
 * of what was allocated meanwhile, collected or not, written beside it as
 * .heapprofile (DevTools' Memory tab): where garbage-collection time comes from.
 */
export async function startProfile(samplingIntervalMicros?: number) {
  const { Session } = await import("node:inspector/promises");
  const { mkdir, writeFile } = await import("node:fs/promises");
  const { dirname } = await import("node:path");
  const session = new Session();
  session.connect();
  const allocations = !!process.env.BENCH_ALLOCATIONS;
  await session.post("Profiler.enable");
  if (samplingIntervalMicros) await session.post("Profiler.setSamplingInterval", { interval: samplingIntervalMicros });
  if (allocations) {
    await session.post("HeapProfiler.enable");
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 16_384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    } as never);
  }
  await session.post("Profiler.start");
  return {
    async stop(path: string) {
      const { profile } = await session.post("Profiler.stop");
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, JSON.stringify(profile));
      if (allocations) {
        const { profile: heap } = await session.post("HeapProfiler.stopSampling");
        await writeFile(path.replace(/\.cpuprofile$/, "") + ".heapprofile", JSON.stringify(heap));
      }
      session.disconnect();
      return path;
    },
  };
}

// ── Reading a profile back ───────────────────────────────────────────────

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

async function readProfile(path: string): Promise<ProfileNode[]> {
  const { readFile } = await import("node:fs/promises");
  return (JSON.parse(await readFile(path, "utf8")) as { nodes: ProfileNode[] }).nodes;
}

const percent = (part: number, total: number) => `${((part / total) * 100).toFixed(1).padStart(5)}%`;

/** The functions that ran most themselves (self time), as lines "  12.3%  name file:line". */
export async function heaviestFunctions(path: string, count = 15): Promise<string[]> {
  const self = new Map<string, number>();
  let total = 0;
  for (const node of await readProfile(path)) {
    const hits = node.hitCount ?? 0;
    total += hits;
    const where = node.callFrame.url.replace(/^.*\/(node_modules\/)?/, (m) => (m.includes("node_modules") ? "node_modules/" : ""));
    const key = `${node.callFrame.functionName || "(anonymous)"} ${where}:${node.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + hits);
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, count).map(([k, v]) => `  ${percent(v, total)}  ${k}`);
}

/**
 * Whose code the time went to: each sample is charged to the nearest frame on
 * its stack that belongs to a package (node_modules/<package>) or to Mati's own
 * code (src/<folder>), so that Node's internals and native calls (socket
 * writes, JSON, structuredClone) count for whoever called them. What no
 * package or Mati code called is Node's own (timers, the microtask queue);
 * the garbage collector and idle time are their own lines.
 *
 * Why: the profile of an update is spread thin over hundreds of functions;
 * added up by owner it says how much of the time is Mati's code at all, and
 * how much the frameworks it runs on, which no change to Mati's code removes.
 */
async function cpuByOwner(path: string): Promise<{ owner: string; share: number }[]> {
  const nodes = await readProfile(path);
  const parentOf = new Map<number, ProfileNode>();
  for (const node of nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  const ownerOfFrame = (node: ProfileNode): string | undefined => {
    const { url, functionName } = node.callFrame;
    if (!url && /^\((garbage collector|idle|program)\)$/.test(functionName)) return functionName;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
    if (pkg) return pkg;
    const own = /\/src\/([^/]+(?:\/[^/.]+)?)/.exec(url)?.[1];
    return own ? `mati: src/${own.replace(/\.js$/, "")}` : undefined;
  };
  const owners = new Map<string, number>();
  let total = 0;
  for (const node of nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    total += hits;
    let owner: string | undefined;
    for (let at: ProfileNode | undefined = node; at && !owner; at = parentOf.get(at.id)) owner = ownerOfFrame(at);
    owner ??= "node (timers, microtasks, I/O callbacks)";
    owners.set(owner, (owners.get(owner) ?? 0) + hits);
  }
  return [...owners.entries()].map(([owner, hits]) => ({ owner, share: hits / total })).sort((a, b) => b.share - a.share);
}

/** cpuByOwner as lines: Mati's own code first as one total, then every owner of at least 0.5%. */
export async function summariseOwners(path: string): Promise<string[]> {
  const owners = await cpuByOwner(path);
  const own = owners.filter((o) => o.owner.startsWith("mati: "));
  const ownShare = own.reduce((sum, o) => sum + o.share, 0);
  const line = (label: string, share: number) => `  ${percent(share, 1)}  ${label}`;
  return [
    line(`Mati's own code (src/), of which ${own.slice(0, 4).map((o) => `${o.owner.slice(6)} ${(o.share * 100).toFixed(1)}%`).join(", ")}`, ownShare),
    ...owners.filter((o) => !o.owner.startsWith("mati: ") && o.share >= 0.005).map((o) => line(o.owner, o.share)),
  ];
}
