/** What the cycle routes and the dashboard's cycle forms take: one schema for both. */
import { z } from 'zod';
import { text } from '../../domain/text';
import { CycleTimings, Milestone, cyclePlanFields, withCyclePlanRules } from '../../domain/cycle';
import { AmountCny } from '../../db/services/cycles';
import { Id } from '../activities/schemas';

export const StartCycleBody = withCyclePlanRules(
  z.strictObject({
    /** The cycle's id, e.g. `2025-1`: a repeated start with the same id finds the cycle already there. */
    id: Id,
    ...cyclePlanFields,
    /** 启动培训, 中期督导, 活动复盘, 经验分享, … with their due times. */
    milestones: z.array(z.strictObject(Milestone.shape)).max(50).default([]),
    /** Default: the first supervisor in the directory. */
    supervisorId: Id.optional(),
    /** Default: the caller. */
    coordinatorId: Id.optional(),
    /** Overrides of the defaults for this cycle. */
    timings: z.strictObject(CycleTimings.partial().shape).optional(),
    /** Outcome evaluation: the questionnaire sent after each of the cycle's activities (default: none). */
    surveyQuestionnaireId: Id.optional(),
    /** Outcome evaluation: the questionnaire sent at the cycle's start and again before its end (default: none). */
    baselineQuestionnaireId: Id.optional(),
  }),
);

export const RecordMilestoneBody = z.strictObject({ notes: text().trim().max(2000).default('') });

export const SponsorshipBody = z.strictObject({
  /** Optional client-chosen id: repeating the request with it records nothing new. */
  id: Id.optional(),
  merchantId: Id,
  amountCny: AmountCny.meta({ description: 'CNY (yuan), at most two decimals (fen).' }),
  note: text().trim().max(2000).default(''),
});

