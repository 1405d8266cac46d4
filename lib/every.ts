/**
 * Background work on a timer, one run at a time (a run still going when the next tick comes is not
 * started twice), that a test can also run now and a process can stop, waiting for the run in
 * flight. Errors go to `onError`, never thrown from the timer. The worker's email retrier and its
 * survey sweeper are such loops.
 */
export interface Periodic<T> {
  /** Runs now, or joins the run in flight (tests; the timer keeps its own pace). */
  runNow(): Promise<T>;
  stop(): Promise<void>;
}

export function every<T>(intervalMs: number, work: () => Promise<T>, onError?: (err: unknown) => void): Periodic<T> {
  let running: Promise<T> | undefined;
  let stopped = false;
  const run = (): Promise<T> => {
    running ??= work().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped) run().catch((err: unknown) => onError?.(err));
  }, intervalMs);
  timer.unref();
  return {
    runNow: run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
