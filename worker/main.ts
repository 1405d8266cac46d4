/**
 * The worker process: runs themed-activity workflows and their activities until SIGINT/SIGTERM,
 * then finishes what is in flight and exits.
 */
import fs from 'node:fs';
import os from 'node:os';
import { startEmailRetrier } from '../mail/email-retrier';
import { startSurveySweeper } from '../activities/surveys';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig, type Config } from '../config';
import { WORKFLOW_BUNDLE_PATH } from '../scripts/bundle-workflows';
import { buildRuntime } from './dependencies';
import { createWorker } from './create-worker';

/** `workflowBundlePath`: a bundle made beforehand (the fault test makes one per run); default `npm run build`'s, if any. */
export async function runWorker(config: Config, address: string, signal?: AbortSignal, opts: { workflowBundlePath?: string } = {}): Promise<void> {
  const bundlePath = opts.workflowBundlePath ?? (fs.existsSync(WORKFLOW_BUNDLE_PATH) ? WORKFLOW_BUNDLE_PATH : undefined);
  const runtime = await buildRuntime(config);
  const connection = await NativeConnection.connect({ address });
  // Emails a relay turned away for now go out again from here, each on its own schedule.
  const retrier = startEmailRetrier({
    store: runtime.store,
    mailer: runtime.mailer,
    owner: `worker:${os.hostname()}:${process.pid}`,
    retryDelaysMs: config.mail.retryDelaysMs,
    intervalMs: config.mail.retryIntervalMs,
    onError: (err) => console.warn('email retrier: a round failed; the next one tries again', String(err)),
  });
  // Survey rounds are data: this opens the due ones (invitations, emails) and sends their one reminder.
  const surveySweeper = startSurveySweeper({
    db: runtime.db,
    store: runtime.store,
    mailer: runtime.mailer,
    linkSecret: runtime.linkSecret,
    publicBaseUrl: config.http.publicBaseUrl,
    messageIdDomain: config.mail.from.email.split('@')[1] ?? 'localhost',
    withdrawPeriodMs: config.surveys.withdrawPeriodMs,
    retryDelaysMs: config.mail.retryDelaysMs,
    owner: `worker:${os.hostname()}:${process.pid}`,
    intervalMs: config.surveys.sweepIntervalMs,
    onError: (err) => console.warn('survey sweeper: a sweep failed; the next one tries again', err instanceof Error ? err.message : String(err)),
  });
  try {
    const worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities: runtime.activities,
      dataConverter: runtime.dataConverter,
      // The bundle from `npm run build`; without it (running from source) bundle at start.
      ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
    });
    // An abort that came while the worker was being built must still stop it.
    if (signal?.aborted) worker.shutdown();
    else signal?.addEventListener('abort', () => worker.shutdown(), { once: true });
    await worker.run(); // returns after shutdown; the SDK also shuts down on SIGINT/SIGTERM
  } finally {
    await surveySweeper.stop();
    await retrier.stop();
    await connection.close();
    await runtime.close();
  }
}

if (require.main === module) {
  const config = loadConfig();
  const address = config.temporal.address;
  if (!address) {
    console.error('TEMPORAL_ADDRESS is not set. Use `npm start` to run everything with an embedded Temporal dev server.');
    process.exit(2);
  }
  runWorker(config, address).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
