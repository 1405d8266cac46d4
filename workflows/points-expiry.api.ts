/** What the API needs to start the points-expiry workflow (workflows/points-expiry.ts). */

/** One expiry run per namespace and task queue: every API process starts this id, Temporal keeps one. */
export const POINTS_EXPIRY_WORKFLOW_ID = 'points-expiry';

export interface PointsExpiryInput {
  /** The community's local time (the ledger policy's offset, UTC+8): the runs wake at its `runAtMinuteOfDay`. */
  utcOffsetMinutes: number;
  /** Minutes after local midnight (5: 00:05). */
  runAtMinuteOfDay: number;
  /** Daily runs before the workflow continues as new (default 31). */
  runsPerExecution?: number;
}
