/** A V8 CPU profile of the current process between start and stop (open the file in Chrome DevTools). */
export async function startProfile(samplingIntervalMicros?: number) {
  const { Session } = await import("node:inspector/promises");
  const { writeFile } = await import("node:fs/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  if (samplingIntervalMicros) await session.post("Profiler.setSamplingInterval", { interval: samplingIntervalMicros });
  await session.post("Profiler.start");
  return {
    async stop(path: string) {
      const { profile } = await session.post("Profiler.stop");
      await writeFile(path, JSON.stringify(profile));
      session.disconnect();
      return path;
    },
  };
}
