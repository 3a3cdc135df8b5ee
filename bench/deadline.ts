/**
 * Bounds a whole bench run: after `seconds`, `signal` aborts and `expired` rejects, so `Promise.race` with it
 * stops the run with a message naming BENCH_TIMEOUT. `clear()` when the run ends.
 */
export function benchDeadline(seconds: number): { signal: AbortSignal; expired: Promise<never>; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`the bench exceeded its limit of ${seconds} s (BENCH_TIMEOUT) and was stopped`)),
    seconds * 1000,
  );
  const expired = new Promise<never>((_, reject) =>
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }),
  );
  expired.catch(() => undefined);
  return { signal: controller.signal, expired, clear: () => clearTimeout(timer) };
}

/** Runs a clean-up step, bounded in time; a failure is reported and makes the bench exit non-zero, not throw. */
export async function boundedCleanup(label: string, run: () => Promise<unknown>, timeoutMs = 20_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([run(), timeout]);
  } catch (error) {
    console.error(`bench: could not ${label}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(timer);
  }
}
