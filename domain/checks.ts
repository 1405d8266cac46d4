/**
 * Small hand-written checks for the shapes the workflows' update validators look at, the same
 * rules as the zod shapes in `./schemas` and `./cycle` (which the API and the activities apply
 * first). Workflow code uses these instead of zod: every module the workflow bundle imports is
 * instantiated again in each workflow's context, and zod's schemas cost about 2 MiB and 15 ms of
 * CPU per workflow there. `test/domain/checks.test.ts` holds both to the same answers.
 *
 * Pure: imports nothing but ./vocabulary and ./text's rule (no zod), so the workflow bundle may
 * include it. Like zod's objects, a check ignores keys it does not know.
 */
import { isSafeText, UNSAFE_TEXT_MESSAGE } from './text-rule';
import { APPROVAL_DECISIONS, LOCALES, MERCHANT_ANSWERS, STAFF_ROLES } from './vocabulary';

/** One bad field, as `describeIssues` in `./schemas` names it. */
export interface Issue {
  field: string;
  message: string;
}

/** Checks `value` at `path`, adding an issue for each bad field; true when there was none. */
export type Check = (value: unknown, path: readonly (string | number)[], issues: Issue[]) => boolean;

function fail(issues: Issue[], path: readonly (string | number)[], message: string): false {
  issues.push({ field: path.map(String).join('.') || '(body)', message });
  return false;
}

/** Runs a check on a whole value: the issues, empty when it holds. */
export function issuesOf(check: Check, value: unknown): Issue[] {
  const issues: Issue[] = [];
  check(value, [], issues);
  return issues;
}

interface StringRules {
  min?: number;
  max?: number;
  /** Length limits apply to the trimmed text, as zod's `.trim()` does. */
  trim?: boolean;
  /** Typed free text: refuse the characters `./text` refuses. */
  safe?: boolean;
  pattern?: { re: RegExp; message: string };
  /** Messages for the limits, where the zod shape names its own. */
  minMessage?: string;
}

export function str(rules: StringRules = {}): Check {
  return (value, path, issues) => {
    if (typeof value !== 'string') return fail(issues, path, 'expected string');
    let ok = true;
    if (rules.safe && !isSafeText(value)) ok = fail(issues, path, UNSAFE_TEXT_MESSAGE);
    const v = rules.trim ? value.trim() : value;
    if (rules.min !== undefined && v.length < rules.min) ok = fail(issues, path, rules.minMessage ?? `must have at least ${rules.min} characters`);
    if (rules.max !== undefined && v.length > rules.max) ok = fail(issues, path, `must have at most ${rules.max} characters`);
    if (rules.pattern && !rules.pattern.re.test(v)) ok = fail(issues, path, rules.pattern.message);
    return ok;
  };
}

interface NumberRules {
  int?: boolean;
  min?: number;
  max?: number;
  positive?: boolean;
}

export function num(rules: NumberRules = {}): Check {
  return (value, path, issues) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return fail(issues, path, 'expected number');
    if (rules.int && !Number.isSafeInteger(value)) return fail(issues, path, 'expected int');
    let ok = true;
    if (rules.positive && !(value > 0)) ok = fail(issues, path, 'must be > 0');
    if (rules.min !== undefined && value < rules.min) ok = fail(issues, path, `must be >= ${rules.min}`);
    if (rules.max !== undefined && value > rules.max) ok = fail(issues, path, `must be <= ${rules.max}`);
    return ok;
  };
}

export function oneOf(values: readonly string[]): Check {
  return (value, path, issues) =>
    (typeof value === 'string' && values.includes(value)) || fail(issues, path, `expected one of ${values.join('|')}`);
}

export function literal(expected: string): Check {
  return (value, path, issues) => value === expected || fail(issues, path, `expected "${expected}"`);
}

/** Absent (undefined) is fine; otherwise the check applies. Covers zod's `.optional()` and `.default()`. */
export function optional(check: Check): Check {
  return (value, path, issues) => value === undefined || check(value, path, issues);
}

export function array(item: Check, rules: { min?: number; max?: number } = {}): Check {
  return (value, path, issues) => {
    if (!Array.isArray(value)) return fail(issues, path, 'expected array');
    let ok = true;
    if (rules.min !== undefined && value.length < rules.min) ok = fail(issues, path, `must have at least ${rules.min} items`);
    if (rules.max !== undefined && value.length > rules.max) ok = fail(issues, path, `must have at most ${rules.max} items`);
    value.forEach((v, i) => {
      if (!item(v, [...path, i], issues)) ok = false;
    });
    return ok;
  };
}

/** A rule across fields, run once the object's own fields are of the right type: the field it blames and why, or nothing. */
export type CrossRule = (value: Record<string, unknown>) => { field: string; message: string } | undefined;

export function object(fields: Record<string, Check>, ...rules: CrossRule[]): Check {
  return (value, path, issues) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(issues, path, 'expected object');
    const record = value as Record<string, unknown>;
    let ok = true;
    for (const [key, check] of Object.entries(fields)) {
      if (!check(record[key], [...path, key], issues)) ok = false;
    }
    for (const rule of rules) {
      const broken = rule(record);
      if (broken) ok = fail(issues, [...path, broken.field], broken.message);
    }
    return ok;
  };
}

/** One of several object shapes, chosen by the string at `key`. */
export function byKind(key: string, shapes: Record<string, Check>): Check {
  return (value, path, issues) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(issues, path, 'expected object');
    const kind = (value as Record<string, unknown>)[key];
    const shape = typeof kind === 'string' && Object.prototype.hasOwnProperty.call(shapes, kind) ? shapes[kind] : undefined;
    if (!shape) return fail(issues, [...path, key], `expected one of ${Object.keys(shapes).join('|')}`);
    return shape(value, path, issues);
  };
}

// ---- the shapes ---------------------------------------------------------------------------------

/** zod's ISO-8601 instant with seconds and a `Z` or an offset (`z.iso.datetime({ offset: true })`). */
const ISO_INSTANT =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|([+-](?:[01]\d|2[0-3]):[0-5]\d)))$/;
/** zod's email pattern (`z.email()`). */
const EMAIL = /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

const isoInstant = str({ pattern: { re: ISO_INSTANT, message: 'Invalid ISO datetime' } });
const email = str({ pattern: { re: EMAIL, message: 'Invalid email address' } });
const id = str({ trim: true, min: 1, max: 64, pattern: { re: /^[A-Za-z0-9_.:-]+$/, message: 'letters, digits and _ . : - only' } });
const text = (min: number, max: number, minMessage?: string) => str({ safe: true, trim: true, min, max, ...(minMessage ? { minMessage } : {}) });
const comment = text(0, 2000);
const reason = text(1, 2000, 'a reason is required');
const hours = num({ positive: true, max: 24 * 14 });
const points = num({ int: true, min: 0, max: 10_000 });
const rating = num({ int: true, min: 1, max: 5 });

// The email is optional as in domain/schemas.ts's Contact: inputs name people by id, the directory has the address.
const contactFields = { id, name: text(1, 100), email: optional(email), locale: optional(oneOf(LOCALES)) };

const actor = object({ id, name: text(1, 100), role: oneOf([...STAFF_ROLES, 'merchant']) });

/** `endsAt` after `startsAt`, judged only when both are instants (zod runs its refinement on typed values). */
const endsAfterStarts: CrossRule = (v) =>
  typeof v.startsAt === 'string' && typeof v.endsAt === 'string' && !(Date.parse(v.endsAt) > Date.parse(v.startsAt))
    ? { field: 'endsAt', message: 'endsAt must be after startsAt' }
    : undefined;

const plan = object(
  {
    title: text(1, 200),
    theme: text(1, 200),
    compound: id,
    description: optional(str({ safe: true, max: 5000 })),
    startsAt: isoInstant,
    endsAt: isoInstant,
    capacity: num({ int: true, positive: true, max: 10_000 }),
    venue: byKind('kind', {
      community: object({ kind: literal('community'), venueName: text(1, 200), hours }),
      merchant: object({
        kind: literal('merchant'),
        hours,
        candidateMerchants: array(object({ ...contactFields, venueName: text(1, 200) }), { min: 1, max: 20 }),
      }),
    }),
    volunteersNeeded: num({ int: true, min: 0, max: 1_000 }),
    pointsRules: object({ attendance: points, perVolunteerHour: points, familyLearning: optional(points) }),
    budget: num({ min: 0, max: 10_000_000 }),
  },
  endsAfterStarts,
);

/** The `revisePlan` update's argument (`PlanRevision`). */
export const PlanRevisionCheck = object({ plan, by: actor });

/** The `answerVenueRequest` update's argument (`MerchantAnswer`). */
export const MerchantAnswerCheck = object({
  attempt: num({ int: true, positive: true }),
  merchantId: id,
  answer: oneOf(MERCHANT_ANSWERS),
  note: optional(comment),
});

/** The `assignVenue` update's argument (`VenueAssignment`). */
export const VenueAssignmentCheck = object({ venueName: text(1, 200), merchantId: optional(id), hours, by: actor });

/** The `decideApproval` update's argument (`ApprovalDecision`): a reason is needed to reject or to request changes. */
export const ApprovalDecisionCheck = object(
  { round: num({ int: true, positive: true }), decision: oneOf(APPROVAL_DECISIONS), comment: optional(comment), by: actor },
  (v) =>
    v.decision !== 'approve' && (typeof v.comment === 'string' ? v.comment.trim() : '').length === 0
      ? { field: 'comment', message: 'a reason is required to reject or to request changes' }
      : undefined,
);

/** The `reschedule` update's argument (`Reschedule`). */
export const RescheduleCheck = object({ startsAt: isoInstant, endsAt: isoInstant, reason, by: actor }, endsAfterStarts);

/** The `cancel` update's argument (`Cancellation`). */
export const CancellationCheck = object({ reason, by: actor });

/** The `submitFeedback` update's argument (`SupervisionFeedback`). */
export const SupervisionFeedbackCheck = object({
  ratings: object({ organisation: rating, participation: rating, effect: rating }),
  comment: optional(comment),
  by: actor,
});

/** The cycle's `recordMilestone` update's argument (`MilestoneRecord`). */
export const MilestoneRecordCheck = object({ milestoneId: id, by: actor, notes: optional(comment) });
