/**
 * The incubation cycle (孵化周期) as data: its input, its milestones and their states, its
 * progress and what a continued-as-new run carries over. The workflow, the activities, the
 * reports and the API take these shapes from here.
 *
 * Pure: zod and plain TS only, no I/O, no Node built-ins, no Temporal. Workflow code imports
 * only its types (and ./milestone-state), to keep zod out of the bundle. Everything must survive JSON: ISO strings, never `Date`.
 */
import { z } from 'zod';
import { Actor, Contact, Id, IsoInstant } from './schemas';
import { text } from './text';
import type { CyclePhase, MilestoneState } from './vocabulary';
import { milestoneState } from './milestone-state';

export type { CyclePhase, MilestoneState };

const Notes = text().trim().max(2000);

/** One checkpoint of the incubation and supervision plan, e.g. 启动培训, 中期督导, 活动复盘, 经验分享. */
export const Milestone = z.object({
  id: Id,
  name: text().trim().min(1).max(200),
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

/**
 * What a cycle is planned with, in the API's start request and the workflow's input alike: its
 * name, its period and the compounds (小区) whose activities belong to it.
 */
export const cyclePlanFields = {
  name: text().trim().min(1).max(200),
  periodStart: IsoInstant,
  periodEnd: IsoInstant,
  // uniqueItems: the OpenAPI document says what the rule below checks.
  compounds: z.array(Id).min(1).max(50).meta({ uniqueItems: true }),
};

interface CyclePlan {
  periodStart: string;
  periodEnd: string;
  compounds: readonly string[];
  milestones: readonly { id: string }[];
}

/** The rules every cycle plan keeps, each reported on its own field: the API's request and the workflow's input share them. */
export function withCyclePlanRules<S extends z.ZodType<CyclePlan>>(schema: S): S {
  return schema
    .refine((c) => Date.parse(c.periodEnd) > Date.parse(c.periodStart), { message: 'periodEnd must be after periodStart', path: ['periodEnd'] })
    .refine((c) => new Set(c.milestones.map((m) => m.id)).size === c.milestones.length, { message: 'milestone ids must be unique', path: ['milestones'] })
    .refine((c) => new Set(c.compounds).size === c.compounds.length, { message: 'compounds must be unique', path: ['compounds'] })
    .meta({ description: 'periodEnd must be after periodStart; milestone ids must be unique; compounds must be unique.' });
}

export const IncubationCycleInput = withCyclePlanRules(
  z.object({
    cycleId: Id,
    ...cyclePlanFields,
    coordinator: Contact,
    supervisor: Contact,
    milestones: z.array(Milestone).max(50),
    timings: CycleTimings,
    /** A run continues as new once its history has this many events (default 8,000, under Temporal's 10,240 warning). */
    maxHistoryEvents: z.number().int().min(100).max(40_000).optional(),
  }),
);
export type IncubationCycleInput = z.infer<typeof IncubationCycleInput>;

/** The argument of the `recordMilestone` update. `by` comes from the caller's token, never a body. */
export const MilestoneRecord = z.object({
  milestoneId: Id,
  by: Actor,
  notes: Notes.default(''),
});
export type MilestoneRecord = z.infer<typeof MilestoneRecord>;

/** One milestone as the cycle's progress shows it. */
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

/** The `cycleProgress` query's answer. */
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

export { milestoneState };

export { incubationCycleWorkflowId } from './cycle-id';
