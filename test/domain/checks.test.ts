/**
 * The workflows' hand-written update checks (domain/checks.ts) give the same answer as the zod
 * shapes the API and the activities apply: for a valid value of each shape and for each field
 * turned bad in each way (wrong type, missing, empty, too long, unsafe text, out of range), both
 * accept or both refuse, and the check names the field zod names.
 */
import type { ZodType } from 'zod';
import {
  ApprovalDecisionCheck,
  CancellationCheck,
  MerchantAnswerCheck,
  MilestoneRecordCheck,
  PlanRevisionCheck,
  RescheduleCheck,
  SupervisionFeedbackCheck,
  VenueAssignmentCheck,
  issuesOf,
  type Check,
} from '../../domain/checks';
import { MilestoneRecord } from '../../domain/cycle';
import {
  ApprovalDecision,
  Cancellation,
  MerchantAnswer,
  PlanRevision,
  Reschedule,
  SupervisionFeedback,
  VenueAssignment,
  describeIssues,
} from '../../domain/schemas';

const by = { id: 'gw-1', name: '王网格', role: 'gridWorker' };
const merchant = { id: 'm-1', name: '李老板', email: 'li@example.com', locale: 'en', venueName: '李记茶馆' };
const plan = {
  title: '亲子读书会',
  theme: '家庭教育',
  compound: 'c-1',
  description: '下午场',
  startsAt: '2027-05-01T09:00:00+08:00',
  endsAt: '2027-05-01T11:00:00+08:00',
  capacity: 30,
  venue: { kind: 'merchant', hours: 2, candidateMerchants: [merchant] },
  volunteersNeeded: 3,
  pointsRules: { attendance: 10, perVolunteerHour: 5, familyLearning: 2 },
  budget: 500,
};

/** Values that break a field in one way each, by the kind of value the field holds. */
const BAD_VALUES: unknown[] = [
  undefined,
  null,
  7,
  'text',
  '',
  '   ',
  'x'.repeat(5001),
  'bad\u202Etext',
  'a\u0000b',
  -1,
  0,
  1.5,
  Number.NaN,
  100_000_000,
  [],
  {},
  true,
  '2027-05-01T09:00:00',
  '2027-02-30T09:00:00Z',
  'not an id!',
  'someone@',
  { kind: 'community' },
];

/** Every path to a leaf (and to each object or array) of a value. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = prefix.length ? [prefix] : [];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

function withValue(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[head!] = withValue((value as Record<string | number, unknown>)[head!], rest, replacement);
  return copy;
}

const SHAPES: { name: string; schema: ZodType; check: Check; valid: unknown[] }[] = [
  {
    name: 'PlanRevision',
    schema: PlanRevision,
    check: PlanRevisionCheck,
    valid: [
      { plan, by },
      { plan: { ...plan, venue: { kind: 'community', venueName: '活动中心', hours: 3 }, description: undefined }, by },
    ],
  },
  { name: 'MerchantAnswer', schema: MerchantAnswer, check: MerchantAnswerCheck, valid: [{ attempt: 1, merchantId: 'm-1', answer: 'accept', note: '好' }] },
  { name: 'VenueAssignment', schema: VenueAssignment, check: VenueAssignmentCheck, valid: [{ venueName: '活动中心', merchantId: 'm-1', hours: 2, by }] },
  {
    name: 'ApprovalDecision',
    schema: ApprovalDecision,
    check: ApprovalDecisionCheck,
    valid: [
      { round: 1, decision: 'approve', by },
      { round: 2, decision: 'reject', comment: '时间冲突', by },
    ],
  },
  {
    name: 'Reschedule',
    schema: Reschedule,
    check: RescheduleCheck,
    valid: [{ startsAt: '2027-05-02T09:00:00Z', endsAt: '2027-05-02T19:30:00.5+08:00', reason: '下雨', by }],
  },
  { name: 'Cancellation', schema: Cancellation, check: CancellationCheck, valid: [{ reason: '下雨', by: { ...by, role: 'coordinator' } }] },
  {
    name: 'SupervisionFeedback',
    schema: SupervisionFeedback,
    check: SupervisionFeedbackCheck,
    valid: [{ ratings: { organisation: 5, participation: 4, effect: 1 }, comment: '', by: { ...by, role: 'supervisor' } }],
  },
  { name: 'MilestoneRecord', schema: MilestoneRecord, check: MilestoneRecordCheck, valid: [{ milestoneId: 'kickoff', by, notes: '32 人参加' }] },
];

describe.each(SHAPES)('$name: the hand-written check answers as the zod shape does', ({ schema, check, valid }) => {
  test('valid values pass both', () => {
    for (const value of valid) {
      expect(schema.safeParse(value).success).toBe(true);
      expect(issuesOf(check, value)).toEqual([]);
    }
  });

  test('each field made bad in each way is refused by both, naming the same field', () => {
    let refused = 0;
    for (const base of valid) {
      for (const path of pathsOf(base)) {
        for (const bad of BAD_VALUES) {
          const value = withValue(base, path, bad);
          const zod = schema.safeParse(value);
          const issues = issuesOf(check, value);
          const where = `${path.join('.')} = ${JSON.stringify(bad)}`;
          expect({ where, accepted: issues.length === 0 }).toEqual({ where, accepted: zod.success });
          if (!zod.success) {
            refused++;
            const zodFields = describeIssues(zod.error).map((i) => i.field);
            expect({ where, named: zodFields.some((f) => issues.some((i) => i.field === f)) }).toEqual({ where, named: true });
          }
        }
      }
    }
    expect(refused).toBeGreaterThan(10);
  });

  test('a value that is not an object is refused', () => {
    for (const bad of [undefined, null, 'x', 3, []]) expect(issuesOf(check, bad)).toEqual([{ field: '(body)', message: 'expected object' }]);
  });
});

test('the messages the update-refusal tests read name the field and the reason', () => {
  const noReason = issuesOf(ApprovalDecisionCheck, { round: 1, decision: 'reject', comment: ' ', by });
  expect(noReason).toEqual([{ field: 'comment', message: 'a reason is required to reject or to request changes' }]);
  const badPlan = issuesOf(PlanRevisionCheck, { plan: { ...plan, capacity: -5, endsAt: plan.startsAt }, by }).map((i) => i.field);
  expect(badPlan).toEqual(['plan.capacity', 'plan.endsAt']);
});
