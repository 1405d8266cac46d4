/**
 * The fault test's verdicts (scripts/chaos/checks.ts) on synthetic records: each one passes on the
 * records of a run that went right and fails on those of a run that went wrong, so a PASS printed
 * by `npm run chaos` means something.
 */
import {
  checkBalances,
  checkEmailDuplicates,
  checkFaultsLanded,
  checkNo500AtAll,
  checkNo500DuringOutages,
  checkNoDuplicateLedger,
  checkNoLostCheckIns,
  checkNoneStuck,
  checkOutboxSettled,
  checkTallyCountsCheckIns,
  checkWindowsOnTime,
  formatResults,
  type HttpRecord,
  type LedgerEntry,
  type MailSeen,
  type Outage,
} from '../../scripts/chaos/checks';
import { routeOf } from '../../scripts/chaos/drive';

const award = (id: string, holderId: string, activityId: string, key = `award:${activityId}:${holderId}`): LedgerEntry => ({
  id,
  holderKind: 'family',
  holderId,
  kind: 'award',
  activityId,
  rule: 'attendance',
  idempotencyKey: key,
  amount: 10,
});

describe('none stuck', () => {
  test('passes when every activity ended or needs attention', () => {
    const r = checkNoneStuck([
      { activityId: 'a', stage: 'completed', needsAttention: false },
      { activityId: 'b', stage: 'pointsAward', needsAttention: true },
    ]);
    expect(r.ok).toBe(true);
    expect(r.figures).toBe('1/2 ended, 1 needs attention, 0 stuck');
  });
  test('fails on an activity that sits in a stage without saying so', () => {
    const r = checkNoneStuck([
      { activityId: 'a', stage: 'completed', needsAttention: false },
      { activityId: 'b', stage: 'reminders', needsAttention: false },
    ]);
    expect(r.ok).toBe(false);
    expect(r.figures).toContain('1 stuck: b@reminders');
  });
  test('fails when there was nothing to judge', () => {
    expect(checkNoneStuck([]).ok).toBe(false);
  });
});

describe('no 500 while a dependency is down', () => {
  const outage: Outage = { part: 'temporal', kind: 'kill -9', from: 1_000, to: 2_000 };
  const req = (at: number, status: number | undefined): HttpRecord => ({ at, end: at + 50, method: 'GET', route: '/api/activities/:id', ...(status !== undefined ? { status } : {}) });
  test('503 during the outage passes', () => {
    const r = checkNo500DuringOutages([req(1_500, 503), req(500, 200)], [outage]);
    expect(r.ok).toBe(true);
    expect(r.figures).toBe('1 answers during outages: 1 × 503, 0 × other 5xx');
  });
  test('a 500 during the outage fails, naming the route', () => {
    const r = checkNo500DuringOutages([req(1_500, 500)], [outage]);
    expect(r.ok).toBe(false);
    expect(r.figures).toContain('500 GET /api/activities/:id');
  });
  test('the API being down is not a dependency outage; a 500 outside it still fails the whole-run check', () => {
    const apiDown: Outage = { part: 'api', kind: 'kill -9', from: 1_000, to: 2_000 };
    expect(checkNo500DuringOutages([req(1_500, 500)], [apiDown]).ok).toBe(true);
    expect(checkNo500AtAll([req(1_500, 500)]).ok).toBe(false);
    expect(checkNo500AtAll([req(1_500, 503), req(1_600, undefined)]).ok).toBe(true);
  });
});

describe('check-in windows on time', () => {
  test('lags up to 15 s pass; 16 s fails; never accepted fails', () => {
    expect(checkWindowsOnTime([{ activityId: 'a', opensAt: 0, acceptedAt: 15_000 }]).ok).toBe(true);
    const late = checkWindowsOnTime([
      { activityId: 'a', opensAt: 0, acceptedAt: 1_000 },
      { activityId: 'b', opensAt: 0, acceptedAt: 16_000 },
    ]);
    expect(late.ok).toBe(false);
    expect(late.figures).toContain('max 16.0 s; late: b');
    const never = checkWindowsOnTime([{ activityId: 'a', opensAt: 0, acceptedAt: undefined }]);
    expect(never.ok).toBe(false);
    expect(never.figures).toContain('max never');
  });
});

describe('0 duplicate ledger entries', () => {
  test('one award per family and activity passes', () => {
    expect(checkNoDuplicateLedger([award('1', 'f1', 'a'), award('2', 'f2', 'a'), award('3', 'f1', 'b')]).ok).toBe(true);
  });
  test('a second award for the same family, activity and rule fails even under another key', () => {
    const r = checkNoDuplicateLedger([award('1', 'f1', 'a'), award('2', 'f1', 'a', 'another-key')]);
    expect(r.ok).toBe(false);
    expect(r.figures).toContain('1 duplicate awards');
  });
  test('two entries with one idempotency key fail', () => {
    const redemption = (id: string): LedgerEntry => ({ ...award(id, 'f1', 'a', 'redeem:1'), kind: 'redemption', activityId: null, amount: -5 });
    const r = checkNoDuplicateLedger([redemption('1'), redemption('2')]);
    expect(r.ok).toBe(false);
    expect(r.figures).toContain('1 duplicate idempotency keys');
  });
});

describe('0 lost 2xx check-ins', () => {
  const p = (personId: string) => ({ activityId: 'a', personKind: 'family', personId });
  test('every 2xx in the database once passes (a retried 2xx counts once)', () => {
    expect(checkNoLostCheckIns([p('f1'), p('f1'), p('f2')], [p('f1'), p('f2')]).ok).toBe(true);
  });
  test('a 2xx with no row fails', () => {
    const r = checkNoLostCheckIns([p('f1'), p('f2')], [p('f1')]);
    expect(r.ok).toBe(false);
    expect(r.figures).toContain('1 lost');
  });
  test('a person recorded twice fails', () => {
    expect(checkNoLostCheckIns([p('f1')], [p('f1'), p('f1')]).ok).toBe(false);
  });
});

describe('emails twice only by Message-ID, and only across a kill between accept and mark', () => {
  const mail = (at: number, messageId: string, text = 'hello https://x/s/abc'): MailSeen => ({ at, messageId, to: ['f1@x.invalid'], subject: '活动提醒', text });
  test('a duplicate with a worker kill between its first acceptance and its mark passes', () => {
    const r = checkEmailDuplicates([mail(1_000, 'm1'), mail(5_000, 'm1')], new Map([['m1', 5_100]]), [{ part: 'worker', at: 1_200 }], 10_000);
    expect(r.ok).toBe(true);
    expect(r.figures).toContain('1 duplicates (1 across a kill, 0 not)');
  });
  test('a duplicate with no kill in between fails (a slow relay, a retry racing its attempt)', () => {
    const r = checkEmailDuplicates([mail(1_000, 'm1'), mail(5_000, 'm1')], new Map([['m1', 5_100]]), [{ part: 'worker', at: 6_000 }], 10_000);
    expect(r.ok).toBe(false);
  });
  test('three copies across one kill fail: one kill excuses one copy', () => {
    const r = checkEmailDuplicates([mail(1_000, 'm1'), mail(3_000, 'm1'), mail(5_000, 'm1')], new Map([['m1', 5_100]]), [{ part: 'worker', at: 1_200 }], 10_000);
    expect(r.ok).toBe(false);
  });
  test('a Temporal server kill excuses nothing: it sends no email', () => {
    expect(checkEmailDuplicates([mail(1_000, 'm1'), mail(5_000, 'm1')], new Map([['m1', 5_100]]), [{ part: 'temporal', at: 1_200 }], 10_000).ok).toBe(false);
  });
  test('the same email under two Message-IDs fails, even when only its links differ', () => {
    const r = checkEmailDuplicates([mail(1_000, 'm1', 'hi https://x/s/aaa'), mail(5_000, 'm2', 'hi https://x/s/bbb')], new Map(), [], 10_000);
    expect(r.ok).toBe(false);
    expect(r.figures).toContain('1 emails under two Message-IDs');
  });
});

describe('every balance equals its ledger sum', () => {
  test('equal passes; different, or no answer from the API, fails', () => {
    expect(checkBalances([{ holderId: 'f1', apiBalance: 20, ledgerSum: 20 }]).ok).toBe(true);
    expect(checkBalances([{ holderId: 'f1', apiBalance: 30, ledgerSum: 20 }]).figures).toContain('f1 30 ≠ 20');
    expect(checkBalances([{ holderId: 'f1', apiBalance: undefined, ledgerSum: 20 }]).ok).toBe(false);
  });
});

describe('every email settled', () => {
  test('sent, refused and retrying pass; pending with no outcome fails', () => {
    expect(checkOutboxSettled([{ status: 'sent', delivery: null }, { status: 'pending', delivery: 'refused' }, { status: 'pending', delivery: 'retrying' }]).ok).toBe(true);
    const r = checkOutboxSettled([{ status: 'sent', delivery: null }, { status: 'pending', delivery: null }]);
    expect(r.ok).toBe(false);
    expect(r.figures).toContain('1 pending with no outcome');
  });
});

describe('the tally counts every check-in', () => {
  const row = (personId: string) => ({ activityId: 'a', personKind: 'family', personId });
  test('each check-in of a completed activity with its award passes; one without fails', () => {
    expect(checkTallyCountsCheckIns(['a'], [row('f1'), row('f2')], [award('1', 'f1', 'a'), award('2', 'f2', 'a')]).ok).toBe(true);
    const r = checkTallyCountsCheckIns(['a'], [row('f1'), row('f2')], [award('1', 'f1', 'a')]);
    expect(r.ok).toBe(false);
    expect(r.figures).toContain('a/f2');
  });
  test('an activity that did not complete is not judged', () => {
    expect(checkTallyCountsCheckIns([], [row('f1')], []).ok).toBe(true);
  });
});

describe('the faults landed', () => {
  test('fewer kills than the preset promises fail', () => {
    expect(checkFaultsLanded({ 'worker kills': 15 }, { 'worker kills': 15 }).ok).toBe(true);
    const r = checkFaultsLanded({ 'worker kills': 14 }, { 'worker kills': 15 });
    expect(r.ok).toBe(false);
    expect(formatResults([r])).toContain('FAIL  the faults landed as scheduled');
  });
});

test('routes in the figures hide ids and tokens', () => {
  expect(routeOf('/api/activities/chaos-3/check-ins')).toBe('/api/activities/:id/check-ins');
  expect(routeOf('/s/abc.def')).toBe('/s/:token');
  expect(routeOf('/api/directory/families')).toBe('/api/directory/families');
});
