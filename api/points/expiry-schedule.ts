/**
 * Starts the growth points' daily expiry run (workflows/points-expiry.ts) when the API process
 * starts. Every API process calls this; the workflow id is fixed (`points-expiry`) and a running
 * one is kept (conflict policy USE_EXISTING), so one run serves the namespace. The workflow wakes
 * itself each day: nobody has to call POST /api/points/expire (which stays, for a catch-up by hand).
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import { pointsExpiryWorkflow } from '../../workflows/points-expiry';
import { POINTS_EXPIRY_WORKFLOW_ID } from '../../workflows/points-expiry.api';

/** Minutes after local midnight the run wakes: expiry dates are local midnights. */
export const EXPIRY_RUN_MINUTE = 5;

/** Starts the expiry workflow unless it runs already; says which. */
export async function ensurePointsExpiryWorkflow(
  client: Client,
  config: Pick<Config, 'points'> & { temporal: Pick<Config['temporal'], 'taskQueue'> },
): Promise<{ workflowId: string; runId: string }> {
  const handle = await client.workflow.start(pointsExpiryWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: POINTS_EXPIRY_WORKFLOW_ID,
    args: [{ utcOffsetMinutes: config.points.policy.utcOffsetMinutes, runAtMinuteOfDay: EXPIRY_RUN_MINUTE }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
}

/** As the API process calls it: never stops the process; Temporal unreachable is logged, the next start retries. */
export function startPointsExpiry(client: Client, config: Parameters<typeof ensurePointsExpiryWorkflow>[1], logger: Pick<Console, 'info' | 'error'> = console): Promise<void> {
  return ensurePointsExpiryWorkflow(client, config).then(
    () => logger.info(`points expiry runs daily (${POINTS_EXPIRY_WORKFLOW_ID})`),
    (err: unknown) => logger.error(`points expiry: could not start: ${(err as Error)?.message ?? String(err)}`),
  );
}
