/**
 * The shapes that cross a boundary: the API validates requests with them and activities take
 * their inferred types. Workflow code imports only their types: its update validators apply the
 * same rules through ./checks, which is zod-free (test/domain/checks.test.ts holds the two to one answer).
 *
 * This module imports nothing but zod, ./vocabulary and ./text. Everything here must
 * survive JSON (Temporal payloads): times are ISO-8601 strings, never `Date`, and no `.transform`.
 */
import { z } from 'zod';
import { APPROVAL_DECISIONS, LOCALES, MERCHANT_ANSWERS, STAFF_ROLES } from './vocabulary';
import { text } from './text';

/** An ISO-8601 instant with an explicit offset, e.g. 2026-05-01T09:00:00+08:00. */
export const IsoInstant = z.iso.datetime({ offset: true });

const Email = z.email();
/** A record's id as every boundary takes it: 1-64 letters, digits and `_ . : -`. */
export const Id = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
export const Locale = z.enum(LOCALES);
export type Locale = z.infer<typeof Locale>;

/** Someone the workflow writes to. Personal data: never put these fields in search attributes or logs. */
/**
 * A person a workflow deals with. The directory is the address book: a workflow's input carries no
 * email (the sending activity reads name, address and locale by the person's key when it sends, so
 * a corrected address reaches a running activity and no address sits in history). Inputs recorded
 * before carry one, used only when the directory no longer has the person.
 */
export const Contact = z.object({
  id: Id,
  name: text().trim().min(1).max(100),
  email: Email.optional(),
  locale: Locale.default('zh-CN'),
});
export type Contact = z.infer<typeof Contact>;

export const CandidateMerchant = Contact.extend({
  venueName: text().trim().min(1).max(200),
});
export type CandidateMerchant = z.infer<typeof CandidateMerchant>;

export const VenueNeed = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('community'),
    venueName: text().trim().min(1).max(200),
    hours: z.number().positive().max(24 * 14),
  }),
  z.object({
    kind: z.literal('merchant'),
    hours: z.number().positive().max(24 * 14),
    /** Asked in this order; the first to accept lends the venue. */
    candidateMerchants: z.array(CandidateMerchant).min(1).max(20),
  }),
]);
export type VenueNeed = z.infer<typeof VenueNeed>;

export const PointsRules = z.object({
  /** Points to each family that checked in. */
  attendance: z.number().int().min(0).max(10_000),
  /** Points per hour of volunteer service, rounded down to whole points. */
  perVolunteerHour: z.number().int().min(0).max(10_000),
  /** Extra points to a family for a family-learning session within the activity, when it applies. */
  familyLearning: z.number().int().min(0).max(10_000).default(0),
});
export type PointsRules = z.infer<typeof PointsRules>;

export const Plan = z
  .object({
    title: text().trim().min(1).max(200),
    theme: text().trim().min(1).max(200),
    compound: Id,
    description: text().max(5000).default(''),
    startsAt: IsoInstant,
    endsAt: IsoInstant,
    capacity: z.number().int().positive().max(10_000),
    venue: VenueNeed,
    volunteersNeeded: z.number().int().min(0).max(1_000),
    pointsRules: PointsRules,
    /** Budget in CNY (yuan). */
    budget: z.number().min(0).max(10_000_000),
  })
  .refine((p) => Date.parse(p.endsAt) > Date.parse(p.startsAt), {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  })
  .meta({ description: 'endsAt must be after startsAt.' });
export type Plan = z.infer<typeof Plan>;
/** A plan as a client sends it: defaults not yet filled. */
export type PlanInput = z.input<typeof Plan>;

/** The people a themed activity involves besides families, volunteers and merchants. */
export const ActivityPeople = z.object({
  propertyManager: Contact,
  gridWorker: Contact,
  coordinator: Contact,
  supervisor: Contact,
});
export type ActivityPeople = z.infer<typeof ActivityPeople>;

export const StaffRole = z.enum(STAFF_ROLES);
export type StaffRole = z.infer<typeof StaffRole>;

/** Who made a decision: a staff member or a merchant, by id and name (for the audit trail). */
export const Actor = z.object({
  id: Id,
  name: text().trim().min(1).max(100),
  role: z.enum([...STAFF_ROLES, 'merchant'] as const),
});
export type Actor = z.infer<typeof Actor>;

const Comment = text().trim().max(2000);

export const ApprovalDecision = z
  .object({
    round: z.number().int().positive(),
    decision: z.enum(APPROVAL_DECISIONS),
    comment: Comment.default(''),
    by: Actor,
  })
  .refine((d) => d.decision === 'approve' || d.comment.length > 0, {
    message: 'a reason is required to reject or to request changes',
    path: ['comment'],
  });
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

export const MerchantAnswer = z.object({
  /** Which ask this answers: the n-th merchant asked (1-based) in this venue round. */
  attempt: z.number().int().positive(),
  merchantId: Id,
  answer: z.enum(MERCHANT_ANSWERS),
  note: Comment.default(''),
});
export type MerchantAnswer = z.infer<typeof MerchantAnswer>;

export const VenueAssignment = z.object({
  venueName: text().trim().min(1).max(200),
  merchantId: Id.optional(),
  hours: z.number().positive().max(24 * 14),
  by: Actor,
});
export type VenueAssignment = z.infer<typeof VenueAssignment>;

export const PlanRevision = z.object({
  plan: Plan,
  by: Actor,
});
export type PlanRevision = z.infer<typeof PlanRevision>;

export const Reschedule = z
  .object({
    startsAt: IsoInstant,
    endsAt: IsoInstant,
    reason: Comment.min(1, 'a reason is required'),
    by: Actor,
  })
  .refine((r) => Date.parse(r.endsAt) > Date.parse(r.startsAt), {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  });
export type Reschedule = z.infer<typeof Reschedule>;

export const Cancellation = z.object({
  reason: Comment.min(1, 'a reason is required'),
  by: Actor,
});
export type Cancellation = z.infer<typeof Cancellation>;

const Rating = z.number().int().min(1).max(5);
export const SupervisionFeedback = z.object({
  ratings: z.object({
    organisation: Rating,
    participation: Rating,
    effect: Rating,
  }),
  comment: Comment.default(''),
  by: Actor,
});
export type SupervisionFeedback = z.infer<typeof SupervisionFeedback>;

/**
 * Every wait the workflow makes, in milliseconds. Filled from config defaults by whoever starts
 * the workflow, because workflow code must never read the environment.
 */
export const Timings = z.object({
  merchantAnswerMs: z.number().int().positive(),
  approvalReminderMs: z.number().int().positive(),
  approvalEscalationMs: z.number().int().positive(),
  /** Reminders before the start, e.g. 3 days, 1 day, 2 hours. */
  reminderOffsetsMs: z.array(z.number().int().positive()).max(10),
  attendanceOpensBeforeMs: z.number().int().min(0),
  attendanceClosesAfterMs: z.number().int().min(0),
  feedbackDeadlineMs: z.number().int().positive(),
  feedbackReminderBeforeMs: z.number().int().min(0),
  maxApprovalRounds: z.number().int().positive().max(20),
});
export type Timings = z.infer<typeof Timings>;

export const ThemedActivityInput = z.object({
  activityId: Id,
  cycleId: Id,
  plan: Plan,
  people: ActivityPeople,
  timings: Timings,
});
export type ThemedActivityInput = z.infer<typeof ThemedActivityInput>;

/** Turns zod issues into "field: why" lines a person can act on. */
export function describeIssues(error: z.ZodError): { field: string; message: string }[] {
  return error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(body)', message: i.message }));
}
