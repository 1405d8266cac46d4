/**
 * A worker process for the memory benchmark (bench/scale.ts): runs one workflow bundle on one task
 * queue with stand-in activities that answer at once, caches every workflow it runs, and answers
 * `{ rss }` (after a full GC) whenever the parent asks over IPC. Started with `--expose-gc`.
 *
 * Env: BENCH_TEMPORAL (address), BENCH_TASK_QUEUE, BENCH_BUNDLE (a bundle file), BENCH_CACHE (workflows to cache).
 */
import fs from 'node:fs';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';

/** Every activity the themed-activity workflow may call before it waits for the approval. */
const standIns = {
  recordActivity: async () => undefined,
  recordSummary: async () => undefined,
  notify: async () => ({ sent: 1, alreadySent: 0, failed: [] }),
  planFanOut: async () => ({ recipients: 1, startToCloseMs: 120_000 }),
  openAttendance: async () => undefined,
  closeAttendance: async () => undefined,
  releaseRegistrations: async () => undefined,
  awardPoints: async () => undefined,
};

async function main(): Promise<void> {
  const noop = () => undefined;
  Runtime.install({ logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m) } as never });
  const connection = await NativeConnection.connect({ address: process.env.BENCH_TEMPORAL! });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.BENCH_TASK_QUEUE!,
    workflowBundle: { code: fs.readFileSync(process.env.BENCH_BUNDLE!, 'utf8') },
    activities: standIns,
    maxCachedWorkflows: Number(process.env.BENCH_CACHE ?? 2000),
    maxConcurrentWorkflowTaskExecutions: 10,
  });
  process.on('message', (msg: unknown) => {
    if (msg === 'rss') {
      (globalThis as { gc?: () => void }).gc?.();
      setTimeout(() => process.send?.({ rss: process.memoryUsage().rss }), 200);
    } else if (msg === 'stop') {
      worker.shutdown();
    }
  });
  const running = worker.run();
  process.send?.({ ready: true });
  await running;
  await connection.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
