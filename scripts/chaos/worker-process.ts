/**
 * The worker as the fault test runs it: worker/main.ts's runWorker, except that the workflow
 * bundle is the one the driver made once for the run (CHAOS_WORKFLOW_BUNDLE). Bundling at each
 * start took the two shared cores for half a minute, and the full preset restarts the worker
 * more than fifteen times; the activities, the retrier and the worker options are the product's.
 */
import os from 'node:os';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../config';
import { startEmailRetrier } from '../../mail/email-retrier';
import { createWorker } from '../../worker/create-worker';
import { buildRuntime } from '../../worker/dependencies';

async function main(): Promise<void> {
  const config = loadConfig();
  const bundle = process.env.CHAOS_WORKFLOW_BUNDLE;
  if (!config.temporal.address || !bundle) throw new Error('TEMPORAL_ADDRESS and CHAOS_WORKFLOW_BUNDLE must be set');
  const runtime = await buildRuntime(config);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const retrier = startEmailRetrier({
    store: runtime.store,
    mailer: runtime.mailer,
    owner: `worker:${os.hostname()}:${process.pid}`,
    retryDelaysMs: config.mail.retryDelaysMs,
    intervalMs: config.mail.retryIntervalMs,
    onError: (err) => console.warn('email retrier: a round failed; the next one tries again', String(err)),
  });
  try {
    const worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities: runtime.activities,
      dataConverter: runtime.dataConverter,
      workflowBundle: { codePath: bundle },
    });
    console.info(`chaos worker ${process.pid} polling ${config.temporal.taskQueue}`);
    await worker.run();
  } finally {
    await retrier.stop();
    await connection.close();
    await runtime.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
