/**
 * Builds the worker that runs the themed-activity workflow and its activities. The production
 * entry point (main.ts) and the tests both use this, so they run the same registration.
 */
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { ThemedActivityActivities } from '../activities';
import { classified } from '../activities/classified';
import type { DigestActivities } from '../activities/digest';
import type { CycleActivities } from '../activities/cycle';
import type { PointsExpiryActivities } from '../activities/points-expiry';
import { PRELOADED_WORKFLOW_MODULES, WORKFLOWS_PATH } from './workflow-bundle';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  /** The themed-activity activities, plus the daily digest's and the incubation cycle's when this worker also runs those. */
  activities: ThemedActivityActivities & Partial<DigestActivities> & Partial<CycleActivities> & Partial<PointsExpiryActivities>;
  /** A bundle built ahead (`npm run build`); without it the worker bundles workflows/ at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** The payload codec (lib/payload-codec.ts): the product's workers always pass one. */
  dataConverter?: DataConverter;
  /** Extra options, e.g. a smaller cache in tests. */
  overrides?: Partial<WorkerOptions>;
}

export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue,
    // Failures no retry fixes are reported as such (activities/classified.ts).
    activities: classified(opts.activities),
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: PRELOADED_WORKFLOW_MODULES } }),
    // Graceful shutdown: let activities in flight finish (they are idempotent either way).
    shutdownGraceTime: '20 seconds',
    ...opts.overrides,
  });
}
