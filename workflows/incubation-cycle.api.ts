/**
 * The incubation cycle's (孵化周期) input, messages and the shapes they return. The API, the
 * activities and the tests import these definitions; nobody repeats the names as strings.
 *
 * The zod schemas here import nothing but zod and the shared domain schemas, so the workflow
 * bundle can include them. Everything must survive JSON: ISO strings, never `Date`.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { Actor, Contact, IsoInstant } from '../domain/schemas';
import type { CycleReport } from '../reports/cycle-report';

export { RejectionType } from './themed-activity.api';

const Id = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
const Notes = z.string().trim().max(2000);

/** One checkpoint of the incubation and supervision plan, e.g. 启动培训, 中期督导, 活动复盘, 经验分享. */
export const Milestone = z.object({
  id: Id,
  name: z.string().trim().min(1).max(200),
  dueAt: IsoInstant,
});
export type Milestone = z.infer<typeof Milestone>;

/**
 * Every wait the cycle makes, in milliseconds. Filled from defaults by whoever starts the
 * workflow: workflow code never reads the environment.
 */
export const CycleTimings = z.object({
  /** A reminder goes this long before a milestone is due (to the coordinator and the supervisor). */
  milestoneReminderBeforeMs: z.number().int().min(0),
  /** An undone milestone is escalated to the coordinator this long after it was due (0: as soon as it is overdue). */
  milestoneEscalateAfterMs: z.number().int().min(0),
  /** How often the cycle lists its themed activities (and, after the period, checks whether any still runs). */
  activityPollMs: z.number().int().min(1_000),
});
export type CycleTimings = z.infer<typeof CycleTimings>;

export const IncubationCycleInput = z
  .object({
    cycleId: Id,
    name: z.string().trim().min(1).max(200),
    periodStart: IsoInstant,
    periodEnd: IsoInstant,
    /** The compounds (小区) whose activities belong to this cycle. */
    compounds: z.array(Id).min(1).max(50),
    coordinator: Contact,
    supervisor: Contact,
    milestones: z.array(Milestone).max(50),
    timings: CycleTimings,
    /** A run continues as new once its history has this many events (default 8,000, under Temporal's 10,240 warning). */
    maxHistoryEvents: z.number().int().min(100).max(40_000).optional(),
  })
  .refine((c) => Date.parse(c.periodEnd) > Date.parse(c.periodStart), { message: 'periodEnd must be after periodStart', path: ['periodEnd'] })
  .refine((c) => new Set(c.milestones.map((m) => m.id)).size === c.milestones.length, {
    message: 'milestone ids must be unique',
    path: ['milestones'],
  })
  .refine((c) => new Set(c.compounds).size === c.compounds.length, { message: 'compounds must be unique', path: ['compounds'] });
export type IncubationCycleInput = z.infer<typeof IncubationCycleInput>;

/** The argument of the `recordMilestone` update. `by` comes from the caller's token, never a body. */
export const MilestoneRecord = z.object({
  milestoneId: Id,
  by: Actor,
  notes: Notes.default(''),
});
export type MilestoneRecord = z.infer<typeof MilestoneRecord>;

export type MilestoneState = 'pending' | 'done' | 'overdue';

export interface MilestoneProgress {
  id: string;
  name: string;
  dueAt: string;
  state: MilestoneState;
  /** Who recorded it done, when, and what they noted. */
  by?: Actor;
  at?: string;
  notes?: string;
  /** Done by its due time (only when done). */
  onTime?: boolean;
  remindedAt?: string;
  escalatedAt?: string;
}

/** One themed activity of the cycle as the last visibility listing saw it. */
export interface CycleActivity {
  activityId: string;
  workflowId: string;
  /** The workflow's `ActivityStage` search attribute. */
  stage?: string;
  compound?: string;
  startsAt?: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, TERMINATED, … */
  executionStatus: string;
}

export type CyclePhase =
  /** Within the period: milestones and activities are tracked. */
  | 'running'
  /** The period has ended; waiting until none of the cycle's activities runs. */
  | 'waitingForActivities'
  /** Computing and saving the report. */
  | 'reporting'
  | 'closed';

export interface CycleProgress {
  cycleId: string;
  name: string;
  periodStart: string;
  periodEnd: string;
  compounds: string[];
  phase: CyclePhase;
  closed: boolean;
  closedAt?: string;
  milestones: MilestoneProgress[];
  activities: CycleActivity[];
  /** When the activities were last listed (workflow time). */
  activitiesListedAt?: string;
  /** Activities still running at the last listing (after the period, the cycle waits for these). */
  runningActivityIds: string[];
}

/** What a continued-as-new run takes over from the run before. */
export interface CycleCarryOver {
  records: { milestoneId: string; by: Actor; at: string; notes: string }[];
  remindedAt: Record<string, string>;
  escalatedAt: Record<string, string>;
  activities: CycleActivity[];
  activitiesListedAt?: string;
}

export const cycleProgressQuery = defineQuery<CycleProgress>('cycleProgress');
export const recordMilestoneUpdate = defineUpdate<MilestoneProgress, [MilestoneRecord]>('recordMilestone');

/** Workflow id for a cycle: one workflow per cycle id. */
export function incubationCycleWorkflowId(cycleId: string): string {
  return `incubation-cycle:${cycleId}`;
}

/** The workflow's result. */
export type IncubationCycleResult = CycleReport;
