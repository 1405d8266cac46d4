import {
  capPeriodOf,
  cappedAward,
  defaultLedgerPolicy,
  dueExpiries,
  expiryFor,
  familyAwards,
  nextDailyRun,
  replayLots,
  staffAwardCapRefusal,
  tallyOf,
  volunteerHoursPoints,
  volunteerServiceMs,
  type CheckInFacts,
  type LedgerEntryFacts,
  type LedgerPolicy,
} from '../../domain/points';

const HOUR = 3_600_000;

describe('activity awards', () => {
  test('each family gets the attendance and family-learning points of the rules', () => {
    expect(familyAwards({ attendance: 10, perVolunteerHour: 5, familyLearning: 3 })).toEqual([
      { rule: 'attendance', amount: 10 },
      { rule: 'familyLearning', amount: 3 },
    ]);
  });

  test('volunteer hours become points rounded down to whole points', () => {
    expect(volunteerHoursPoints(2.5 * HOUR, 5)).toBe(12); // 12.5 → 12
    expect(volunteerHoursPoints(HOUR - 1, 10)).toBe(9); // just under an hour: 9.99… → 9
    expect(volunteerHoursPoints(3 * HOUR, 7)).toBe(21);
    expect(volunteerHoursPoints(0, 7)).toBe(0);
  });
});

describe('attendance tally', () => {
  const close = '2026-05-01T04:00:00.000Z';
  const checkIns: CheckInFacts[] = [
    { personKind: 'family', personId: 'F1', members: 3, checkedInAt: '2026-05-01T01:00:00.000Z', checkedOutAt: null },
    { personKind: 'family', personId: 'F2', members: 2, checkedInAt: '2026-05-01T01:05:00.000Z', checkedOutAt: null },
    // Checked out after 1.5 h.
    { personKind: 'volunteer', personId: 'V1', members: 1, checkedInAt: '2026-05-01T01:00:00.000Z', checkedOutAt: '2026-05-01T02:30:00.000Z' },
    // No check-out: served until the close (2 h 20 min).
    { personKind: 'volunteer', personId: 'V2', members: 1, checkedInAt: '2026-05-01T01:40:00.000Z', checkedOutAt: null },
    // Checked out after the close: counted only to the close (0.5 h).
    { personKind: 'volunteer', personId: 'V3', members: 1, checkedInAt: '2026-05-01T03:30:00.000Z', checkedOutAt: '2026-05-01T06:00:00.000Z' },
  ];

  test('service time runs to the check-out or the close, whichever is first', () => {
    const ms = volunteerServiceMs(checkIns, close);
    expect([...ms.entries()]).toEqual([
      ['V1', 1.5 * HOUR],
      ['V2', (2 + 20 / 60) * HOUR],
      ['V3', 0.5 * HOUR],
    ]);
  });

  test('people are family members plus volunteers; hours are rounded to 0.1 h', () => {
    // 1.5 + 2.333… + 0.5 = 4.333… → 4.3
    expect(tallyOf(checkIns, close)).toEqual({ participants: 8, families: 2, volunteers: 3, volunteerHours: 4.3 });
  });

  test('a check-in after the close counts no negative time', () => {
    const late: CheckInFacts = { personKind: 'volunteer', personId: 'V9', members: 1, checkedInAt: '2026-05-01T05:00:00.000Z', checkedOutAt: null };
    expect(volunteerServiceMs([late], close).get('V9')).toBe(0);
  });
});

describe('expiry and the earning cap (UTC+8)', () => {
  test('points earned in local year Y expire at local midnight starting Y + 2', () => {
    expect(expiryFor('2025-06-15T02:00:00.000Z', defaultLedgerPolicy)).toBe('2026-12-31T16:00:00.000Z');
    // 2025-12-31 17:00Z is already 2026-01-01 01:00 in UTC+8: earned in 2026.
    expect(expiryFor('2025-12-31T17:00:00.000Z', defaultLedgerPolicy)).toBe('2027-12-31T16:00:00.000Z');
    expect(expiryFor('2025-06-15T02:00:00.000Z', { ...defaultLedgerPolicy, expiryYearsAfter: null })).toBeNull();
  });

  test('the cap period is the local month (or year) of the earning', () => {
    const monthly: LedgerPolicy = { ...defaultLedgerPolicy, earningCap: { period: 'month', max: 100 } };
    expect(capPeriodOf('2026-02-28T16:30:00.000Z', monthly)).toEqual({ from: '2026-02-28T16:00:00.000Z', to: '2026-03-31T16:00:00.000Z' });
    const yearly: LedgerPolicy = { ...defaultLedgerPolicy, earningCap: { period: 'year', max: 100 } };
    expect(capPeriodOf('2026-07-01T00:00:00.000Z', yearly)).toEqual({ from: '2025-12-31T16:00:00.000Z', to: '2026-12-31T16:00:00.000Z' });
    expect(capPeriodOf('2026-07-01T00:00:00.000Z', defaultLedgerPolicy)).toBeNull();
  });

  test('an award past the cap is cut to what is left, with a note; never below 0', () => {
    const monthly: LedgerPolicy = { ...defaultLedgerPolicy, earningCap: { period: 'month', max: 100 } };
    expect(cappedAward(30, 60, monthly, 'Sports day')).toEqual({ amount: 30, note: 'Sports day' });
    expect(cappedAward(30, 80, monthly, 'Sports day')).toEqual({ amount: 20, note: 'Sports day; capped from 30 to 20 by the monthly cap of 100' });
    expect(cappedAward(30, 120, monthly, '')).toEqual({ amount: 0, note: 'capped from 30 to 0 by the monthly cap of 100' });
  });

  test('without a cap an award is only made whole and non-negative', () => {
    expect(cappedAward(12.9, 1_000_000, defaultLedgerPolicy, 'n')).toEqual({ amount: 12, note: 'n' });
    expect(cappedAward(-5, 0, defaultLedgerPolicy, '')).toEqual({ amount: 0, note: '' });
  });
});

describe('FIFO replay and due expiries', () => {
  let n = 0;
  const entry = (e: Partial<LedgerEntryFacts> & Pick<LedgerEntryFacts, 'kind' | 'amount'>): LedgerEntryFacts => {
    n += 1;
    return {
      id: `pe${n}`,
      earnedAt: '2025-03-01T00:00:00.000Z',
      expiresAt: null,
      createdAt: `2025-0${Math.min(9, n)}-01T00:00:00.000Z`,
      reversesEntryId: null,
      ...e,
    };
  };

  test('a redemption spends the oldest earning first; what expires is what is left of it', () => {
    n = 0;
    const old = entry({ kind: 'award', amount: 50, earnedAt: '2024-05-01T00:00:00.000Z', expiresAt: '2025-12-31T16:00:00.000Z' });
    const recent = entry({ kind: 'award', amount: 40, earnedAt: '2025-05-01T00:00:00.000Z', expiresAt: '2026-12-31T16:00:00.000Z' });
    const spend = entry({ kind: 'redemption', amount: -30 });
    const { lots, debt } = replayLots([spend, recent, old]); // any input order: replayed by createdAt
    expect(debt).toBe(0);
    expect(lots.map((l) => [l.entryId, l.remaining])).toEqual([
      [old.id, 20],
      [recent.id, 40],
    ]);
    expect(dueExpiries([old, recent, spend], '2026-01-01T00:00:00.000Z')).toEqual([{ expiresAt: '2025-12-31T16:00:00.000Z', amount: 20 }]);
    expect(dueExpiries([old, recent, spend], '2025-12-31T15:59:59.999Z')).toEqual([]);
  });

  test('an expiry already written is not due again; a reversed award takes its own lot', () => {
    n = 0;
    const a1 = entry({ kind: 'award', amount: 50, earnedAt: '2024-05-01T00:00:00.000Z', expiresAt: '2025-12-31T16:00:00.000Z' });
    const a2 = entry({ kind: 'award', amount: 40, earnedAt: '2025-05-01T00:00:00.000Z', expiresAt: '2026-12-31T16:00:00.000Z' });
    const undo = entry({ kind: 'reversal', amount: -40, reversesEntryId: a2.id });
    const expired = entry({ kind: 'expiry', amount: -50, expiresAt: '2025-12-31T16:00:00.000Z' });
    const { lots } = replayLots([a1, a2, undo, expired]);
    expect(lots.map((l) => l.remaining)).toEqual([0, 0]);
    expect(dueExpiries([a1, a2, undo, expired], '2027-06-01T00:00:00.000Z')).toEqual([]);
  });

  test('spending more than was earned is debt, paid from the next earning', () => {
    n = 0;
    const a1 = entry({ kind: 'award', amount: 10 });
    const spend = entry({ kind: 'redemption', amount: -25 });
    expect(replayLots([a1, spend]).debt).toBe(15);
    const a2 = entry({ kind: 'award', amount: 20 });
    const after = replayLots([a1, spend, a2]);
    expect(after.debt).toBe(0);
    expect(after.lots.map((l) => l.remaining)).toEqual([0, 5]);
  });
});

describe('the daily expiry run and the staff awards (domain/points.ts)', () => {
  it('the daily run wakes at the next local time of day, today if still ahead, else tomorrow', () => {
    // 2026-12-31T15:00Z is 23:00 in Beijing: the next 00:05 is 2026-12-31T16:05Z.
    expect(new Date(nextDailyRun(Date.parse('2026-12-31T15:00:00.000Z'), 480, 5)).toISOString()).toBe('2026-12-31T16:05:00.000Z');
    // Exactly at 00:05 the next run is a day later.
    expect(new Date(nextDailyRun(Date.parse('2026-12-31T16:05:00.000Z'), 480, 5)).toISOString()).toBe('2027-01-01T16:05:00.000Z');
  });

  it('a staff award over the cap is refused with the cap and what is left; without a cap never', () => {
    const monthly = { utcOffsetMinutes: 480, expiryYearsAfter: 1, earningCap: { period: 'month' as const, max: 100 } };
    expect(staffAwardCapRefusal(30, 70, monthly)).toBeNull();
    expect(staffAwardCapRefusal(31, 70, monthly)).toEqual({ cap: 100, period: 'month', earned: 70, left: 30 });
    expect(staffAwardCapRefusal(1, 120, monthly)).toEqual({ cap: 100, period: 'month', earned: 120, left: 0 });
    expect(staffAwardCapRefusal(1_000, 0, { ...monthly, earningCap: null })).toBeNull();
  });
});
