/**
 * Starts the coordinators' daily digest on a cron schedule (config.digest: default `0 8 * * *`
 * in Asia/Shanghai). Every API process may run this: each tick starts the workflow
 * `daily-digest:<YYYY-MM-DD in the digest zone>`, and Temporal refuses a second start of the same
 * id (running: conflict policy FAIL; completed: reuse policy ALLOW_DUPLICATE_FAILED_ONLY), so the
 * digest goes out once a day however many processes tick. A failed or terminated day may be
 * started again; the outbox keeps anyone who already got it from getting it twice.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../config';
import { dailyDigestWorkflow, dailyDigestWorkflowId } from '../workflows/daily-digest';

export interface DigestSchedulerOptions {
  client: Client;
  config: Pick<Config, 'digest'> & { temporal: Pick<Config['temporal'], 'taskQueue'> };
  /** The clock that names the day; tests pass their own. */
  now?: () => Date;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
}

export type DigestStartOutcome = { outcome: 'started' | 'alreadyStarted'; workflowId: string; day: string };

export interface DigestScheduler {
  /** Starts the digest of the day `at` falls on (in the digest zone), as a tick does. */
  runNow(at?: Date): Promise<DigestStartOutcome>;
  /** When the next tick is due. */
  nextRun(): Date | null;
  /** Stops ticking; a start in flight finishes first. */
  stop(): Promise<void>;
}

/** `YYYY-MM-DD` of `at` in `timeZone`. */
export function dayIn(timeZone: string, at: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function startDigestScheduler(opts: DigestSchedulerOptions): DigestScheduler {
  const { client, config } = opts;
  const now = opts.now ?? (() => new Date());
  const logger = opts.logger ?? console;
  const { cron: expression, timeZone } = config.digest;
  if (!cron.validate(expression)) throw new Error(`DIGEST_CRON: "${expression}" is not a cron expression (e.g. "0 8 * * *")`);
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new Error(`DIGEST_TZ: "${timeZone}" is not an IANA time zone (e.g. "Asia/Shanghai")`);
  }

  const inFlight = new Set<Promise<unknown>>();

  async function start(at: Date): Promise<DigestStartOutcome> {
    const day = dayIn(timeZone, at);
    const workflowId = dailyDigestWorkflowId(day);
    try {
      await client.workflow.start(dailyDigestWorkflow, {
        taskQueue: config.temporal.taskQueue,
        workflowId,
        args: [{ day }],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      });
      logger.info(`daily digest ${day} started (${workflowId})`);
      return { outcome: 'started', workflowId, day };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { outcome: 'alreadyStarted', workflowId, day };
      throw err;
    }
  }

  function track<T>(p: Promise<T>): Promise<T> {
    inFlight.add(p);
    void p.then(
      () => inFlight.delete(p),
      () => inFlight.delete(p),
    );
    return p;
  }

  const task: ScheduledTask = cron.schedule(
    expression,
    async () => {
      try {
        await track(start(now()));
      } catch (err) {
        // Temporal unreachable at 08:00: say so; the next process's tick or tomorrow's may succeed.
        logger.error(`daily digest: could not start: ${(err as Error)?.message ?? String(err)}`);
      }
    },
    { timezone: timeZone, name: 'daily-digest', noOverlap: true },
  );

  return {
    runNow: (at) => track(start(at ?? now())),
    nextRun: () => task.getNextRun(),
    async stop() {
      await task.destroy();
      await Promise.allSettled([...inFlight]);
    },
  };
}
