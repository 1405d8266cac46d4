/**
 * The incubation cycle's (孵化周期) Temporal messages. The API and the tests import these
 * definitions; nobody repeats the names as strings.
 *
 * The shapes they carry live in `domain/cycle.ts` (and the report's in `domain/cycle-report.ts`);
 * they are re-exported here only so that callers importing them from this module keep compiling
 * until they import from `domain/` directly.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CycleActivity, CycleProgress, MilestoneProgress, MilestoneRecord } from '../domain/cycle';
import type { CycleReport, SavedCycleReport } from '../domain/cycle-report';


export const cycleProgressQuery = defineQuery<CycleProgress>('cycleProgress');
export const recordMilestoneUpdate = defineUpdate<MilestoneProgress, [MilestoneRecord]>('recordMilestone');
/**
 * A themed activity tells its cycle when its stage changes and when it ends (executionStatus
 * COMPLETED), so the cycle keeps its list current without polling visibility.
 */
export const activityChangedSignal = defineSignal<[CycleActivity]>('activityChanged');

/** The workflow's result: the saved report's reference; the whole report from a cycle that closed before that change. */
export type IncubationCycleResult = SavedCycleReport | CycleReport;
