/**
 * The one rule for a milestone's state, without zod, so the cycle workflow can use it without
 * bringing zod's schemas into every workflow's context (see ./checks). ./cycle re-exports it.
 */
import type { MilestoneState } from './vocabulary';

/**
 * A milestone's state at `nowMs`: done once recorded (on time when recorded by its due time),
 * otherwise overdue once `nowMs` is past the due time, else pending. The workflow's progress,
 * the cycle report and the dashboard all judge a milestone by this one rule.
 */
export function milestoneState(
  milestone: { dueAt: string; doneAt?: string | null | undefined },
  nowMs: number,
): { state: MilestoneState; onTime?: boolean } {
  const dueMs = Date.parse(milestone.dueAt);
  if (milestone.doneAt) return { state: 'done', onTime: Date.parse(milestone.doneAt) <= dueMs };
  return { state: nowMs > dueMs ? 'overdue' : 'pending' };
}
