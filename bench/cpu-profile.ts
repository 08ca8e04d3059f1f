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
