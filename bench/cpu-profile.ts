/** A V8 CPU profile of the current process between start and stop (open the file in Chrome DevTools). */
export async function startProfile(samplingIntervalMicros?: number) {
  const { Session } = await import("node:inspector/promises");
  const { mkdir, writeFile } = await import("node:fs/promises");
  const { dirname } = await import("node:path");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  if (samplingIntervalMicros) await session.post("Profiler.setSamplingInterval", { interval: samplingIntervalMicros });
  await session.post("Profiler.start");
  return {
    async stop(path: string) {
      const { profile } = await session.post("Profiler.stop");
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, JSON.stringify(profile));
      session.disconnect();
      return path;
    },
  };
}
