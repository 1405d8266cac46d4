/**
 * A workflow's clock: its time (Date.now(), the task's time) but never earlier than the end of a
 * timer that has fired. The fault test saw a worker, restarted while status queries waited, run
 * the task that delivered a fired timer with the previous task's time: what was due looked not yet
 * due, the same timer was started again, and the replay (on the right time) failed as
 * nondeterministic. A fired timer's end is part of the history, so this clock is as deterministic
 * as Date.now(), and in every history where time was right it equals it.
 */
import { condition, sleep } from '@temporalio/workflow';

export interface WorkflowClock {
  /** Epoch ms. */
  now(): number;
  nowIso(): string;
  /** condition() with a timeout that, when it runs out, moves the clock to at least its end. */
  conditionFor(done: () => boolean, timeoutMs: number): Promise<boolean>;
  /** sleep(), after which the clock is at least at the sleep's end. */
  sleepFor(ms: number): Promise<void>;
}

/** One per workflow run (the fired timers it remembers are its own). */
export function workflowClock(): WorkflowClock {
  let firedUntil = 0;
  const now = () => Math.max(Date.now(), firedUntil);
  return {
    now,
    nowIso: () => new Date(now()).toISOString(),
    async conditionFor(done, timeoutMs) {
      const endsAt = now() + timeoutMs;
      const inTime = await condition(done, timeoutMs);
      if (!inTime) firedUntil = Math.max(firedUntil, endsAt);
      return inTime;
    },
    async sleepFor(ms) {
      const endsAt = now() + ms;
      await sleep(ms);
      firedUntil = Math.max(firedUntil, endsAt);
    },
  };
}
