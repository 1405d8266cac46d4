/**
 * Request and response shapes of the JSON API, built from the shared domain schemas. The `by`
 * of every decision comes from the caller's token, so no body carries it (bodies are strict).
 */
import { z } from 'zod';
import {
  ApprovalDecision,
  Cancellation,
  IsoInstant,
  Plan,
  Reschedule,
  StaffRole,
  ThemedActivityInput,
  VenueAssignment,
  VenueNeed,
} from '../../domain/schemas';
import { STAGES } from '../../domain/activity';

/** The shared id rule (letters, digits and _ . : -, up to 64). */
export const Id = ThemedActivityInput.shape.activityId;

export const StageName = z.enum([...STAGES, 'completed', 'rejected', 'cancelled']);

/**
 * A merchant asked to lend a venue, named by directory id: the merchant's name, address and
 * language, and the venue's name, are read from the directory when the plan arrives, so no plan
 * can send a merchant's signed link to an address of its own choosing (strict: an `email` or a
 * `name` here is refused, not ignored).
 */
export const CandidateMerchantRef = z.strictObject({
  merchantId: Id,
  /** Which of the merchant's venues on record; default: their first (by id). */
  venueId: Id.optional(),
});
export type CandidateMerchantRef = z.infer<typeof CandidateMerchantRef>;

const [CommunityVenueNeed, MerchantVenueNeed] = VenueNeed.options;

/** The venue a plan asks for, as a client sends it: a community room by name, or merchants from the directory. */
export const VenueRequest = z.discriminatedUnion('kind', [
  CommunityVenueNeed,
  z.strictObject({
    kind: z.literal('merchant'),
    hours: MerchantVenueNeed.shape.hours,
    /** Asked in this order; the first to accept lends the venue. */
    candidateMerchants: z.array(CandidateMerchantRef).min(1).max(20),
  }),
]);
export type VenueRequest = z.infer<typeof VenueRequest>;

/** A plan as the API takes it: the workflow's Plan, with merchants named by directory id only. */
export const PlanRequest = z
  .object({ ...Plan.shape, venue: VenueRequest })
  .refine((p) => Date.parse(p.endsAt) > Date.parse(p.startsAt), { message: 'endsAt must be after startsAt', path: ['endsAt'] });
export type PlanRequest = z.infer<typeof PlanRequest>;
/** A plan as a client sends it: defaults not yet filled. */
export type PlanRequestInput = z.input<typeof PlanRequest>;

export const StartActivityBody = z.strictObject({
  /** When absent, derived from (cycleId, compound, title, startsAt): the same business key gives the same activity. */
  activityId: Id.optional(),
  cycleId: Id,
  plan: PlanRequest,
  /** Coordinators only: the property manager in charge (default: the compound's property manager). */
  propertyManagerId: Id.optional(),
  /** Default: the first coordinator in the directory. */
  coordinatorId: Id.optional(),
  /** Default: the first supervisor in the directory. */
  supervisorId: Id.optional(),
}).meta({
  description:
    'The plan is checked against the cycle on record (cycleId must name one): it starts ahead of now (leaving time for check-in to open) and within the cycle period, endsAt after startsAt, its length, venue hours (not longer than the activity) and points within the configured bounds. A refusal is a 400 naming each field.',
});
export type StartActivityBody = z.infer<typeof StartActivityBody>;

export const RevisePlanBody = z.strictObject({ plan: PlanRequest });

export const RescheduleBody = z
  .strictObject({
    startsAt: IsoInstant,
    endsAt: IsoInstant,
    reason: Reschedule.shape.reason,
  })
  .refine((r) => Date.parse(r.endsAt) > Date.parse(r.startsAt), { message: 'endsAt must be after startsAt', path: ['endsAt'] })
  .meta({
    description:
      'endsAt must be after startsAt. Also checked against the activity: the new start is ahead and within its cycle, the length within the configured bounds, and not shorter than the venue is booked for (400 naming the field).',
  });

export const CancelBody = z.strictObject({ reason: Cancellation.shape.reason });

export const AssignVenueBody = z.strictObject(VenueAssignment.omit({ by: true }).shape);

export const ApprovalBody = z
  .strictObject({
    /** The approval round decided; a decision on an earlier round is refused as closed. */
    round: ApprovalDecision.shape.round,
    decision: ApprovalDecision.shape.decision,
    comment: ApprovalDecision.shape.comment,
  })
  .refine((d) => d.decision === 'approve' || d.comment.length > 0, {
    message: 'a reason is required to reject or to request changes',
    path: ['comment'],
  })
  .meta({
    description: 'A reason (comment) is required to reject or to request changes.',
    if: { properties: { decision: { not: { const: 'approve' } } } },
    then: { required: ['comment'], properties: { comment: { minLength: 1, pattern: '\\S' } } },
  });

export const ListActivitiesQuery = z.object({
  cycleId: Id.optional(),
  compound: Id.optional(),
  stage: StageName.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const ActivityIdParam = z.object({ id: Id });

// ---- responses (documentation and tests) -----------------------------------------------------

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});

export const StartActivityResponse = z.object({
  activityId: Id,
  workflowId: z.string(),
  statusUrl: z.url(),
  /** True when an activity with this business key already existed (status 200). */
  existing: z.boolean(),
});

export const ActivityListItem = z.object({
  activityId: Id,
  workflowId: z.string(),
  stage: z.string().optional(),
  cycleId: z.string().optional(),
  compound: z.string().optional(),
  startsAt: z.string().optional(),
  /** Temporal's execution status: RUNNING, COMPLETED, ... */
  executionStatus: z.string(),
});

export const ActivityListResponse = z.object({ activities: z.array(ActivityListItem) });

const ActorDoc = z.object({ id: z.string(), name: z.string(), role: z.string() });

/** The status query's answer (documented here; the workflow's TypeScript type is the source). */
export const ActivityStatusDoc = z.looseObject({
  activityId: z.string(),
  cycleId: z.string(),
  compound: z.string(),
  stage: StageName,
  plan: Plan,
  planVersion: z.number().int(),
  stages: z.array(z.object({ stage: StageName, startedAt: z.string(), endedAt: z.string().optional() })),
  pending: z
    .object({ role: z.string(), actorId: z.string().optional(), action: z.string(), dueAt: z.string().optional() })
    .optional(),
  decisions: z.array(
    z.object({
      kind: z.string(),
      round: z.number().int().optional(),
      outcome: z.string(),
      by: ActorDoc.optional(),
      at: z.string(),
      comment: z.string().optional(),
    }),
  ),
  approvalRound: z.number().int(),
  approvalEscalated: z.boolean(),
  counts: z.looseObject({}),
});

export const HealthResponse = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({ temporal: z.string(), database: z.string() }),
});

export { StaffRole };
