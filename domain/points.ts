/**
 * Growth-points (成长积分) arithmetic: what an activity awards, how volunteer hours become points,
 * the attendance tally, the earning cap, when points expire and which earnings a FIFO replay of a
 * holder's ledger leaves unspent. `db/` keeps the SQL (and the append-only ledger) and calls these.
 *
 * Pure: plain TS only, no I/O, no Node built-ins, no Temporal. Instants are ISO-8601 strings as
 * the database stores them (UTC, `toISOString()` form), so comparing them as strings is comparing
 * instants.
 */
import type { PointsRules } from './schemas';
import type { AttendanceTally } from './activity';

const HOUR_MS = 3_600_000;

/** Ledger policy: local time zone, expiry and the optional earning cap. */
export interface LedgerPolicy {
  /** Offset of the community's local time from UTC in minutes (480: China Standard Time, no DST). Months and years are taken in it. */
  utcOffsetMinutes: number;
  /** Points earned in local year Y expire at the end of year Y + expiryYearsAfter; null: never. */
  expiryYearsAfter: number | null;
  /** At most `max` points earned per holder per local calendar `period`; null: no cap. */
  earningCap: { period: 'month' | 'year'; max: number } | null;
}

export const defaultLedgerPolicy: LedgerPolicy = {
  utcOffsetMinutes: 480,
  expiryYearsAfter: 1,
  earningCap: null,
};

// ---------------------------------------------------------------------------------------------
// Awards of one activity

/** The rules under which activity points are written; a repeat finds entries by these names. */
export const ACTIVITY_POINT_RULES = ['attendance', 'familyLearning', 'volunteerHours'] as const;
export type ActivityPointRule = (typeof ACTIVITY_POINT_RULES)[number];

/** What each family that checked in earns, by rule (rules worth 0 are still listed; the writer skips them). */
export function familyAwards(rules: PointsRules): { rule: ActivityPointRule; amount: number }[] {
  return [
    { rule: 'attendance', amount: rules.attendance },
    { rule: 'familyLearning', amount: rules.familyLearning },
  ];
}

/** A volunteer's points for `serviceMs` of service: hours × perVolunteerHour, rounded down to whole points. */
export function volunteerHoursPoints(serviceMs: number, perVolunteerHour: number): number {
  return Math.floor((serviceMs * perVolunteerHour) / HOUR_MS);
}

// ---------------------------------------------------------------------------------------------
// Attendance tally

/** One check-in as the tally needs it. */
export interface CheckInFacts {
  personKind: 'family' | 'volunteer';
  personId: string;
  /** Family members the check-in counts (volunteers: ignored). */
  members: number;
  checkedInAt: string;
  checkedOutAt: string | null;
}

/** How long each checked-in volunteer served: (checked-out time or the window's close) - check-in, never negative. */
export function volunteerServiceMs(checkIns: readonly CheckInFacts[], closedAt: string): Map<string, number> {
  const close = Date.parse(closedAt);
  const out = new Map<string, number>();
  for (const c of checkIns) {
    if (c.personKind !== 'volunteer') continue;
    const end = Math.min(c.checkedOutAt ? Date.parse(c.checkedOutAt) : close, close);
    out.set(c.personId, Math.max(0, end - Date.parse(c.checkedInAt)));
  }
  return out;
}

/** The attendance tally: people (family members plus volunteers), families, volunteers and volunteer hours (0.1 h). */
export function tallyOf(checkIns: readonly CheckInFacts[], closedAt: string): AttendanceTally {
  const families = checkIns.filter((c) => c.personKind === 'family');
  const volunteers = checkIns.filter((c) => c.personKind === 'volunteer');
  let serviceMs = 0;
  for (const ms of volunteerServiceMs(checkIns, closedAt).values()) serviceMs += ms;
  return {
    participants: families.reduce((s, c) => s + c.members, 0) + volunteers.length,
    families: families.length,
    volunteers: volunteers.length,
    volunteerHours: Math.round((serviceMs / HOUR_MS) * 10) / 10,
  };
}

// ---------------------------------------------------------------------------------------------
// Calendar (local time at a fixed UTC offset), expiry and the earning cap

function localYearMonth(iso: string, offsetMinutes: number): { year: number; month: number } {
  const d = new Date(Date.parse(iso) + offsetMinutes * 60_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() };
}

function localStart(year: number, month: number, offsetMinutes: number): string {
  return new Date(Date.UTC(year, month, 1) - offsetMinutes * 60_000).toISOString();
}

/** When points earned at `earnedAt` expire under `policy` (exclusive instant), or null. */
export function expiryFor(earnedAt: string, policy: LedgerPolicy): string | null {
  if (policy.expiryYearsAfter === null) return null;
  const { year } = localYearMonth(earnedAt, policy.utcOffsetMinutes);
  return localStart(year + policy.expiryYearsAfter + 1, 0, policy.utcOffsetMinutes);
}

/** The cap period [from, to) that contains `earnedAt`. */
export function capPeriodOf(earnedAt: string, policy: LedgerPolicy): { from: string; to: string } | null {
  const cap = policy.earningCap;
  if (!cap) return null;
  const { year, month } = localYearMonth(earnedAt, policy.utcOffsetMinutes);
  if (cap.period === 'year') {
    return { from: localStart(year, 0, policy.utcOffsetMinutes), to: localStart(year + 1, 0, policy.utcOffsetMinutes) };
  }
  return { from: localStart(year, month, policy.utcOffsetMinutes), to: localStart(year, month + 1, policy.utcOffsetMinutes) };
}

/**
 * The amount an award writes: whole points, never negative, cut to what the cap leaves
 * (`earnedInPeriod`: what the holder already earned in the cap period) with a note saying so.
 */
export function cappedAward(
  requested: number,
  earnedInPeriod: number,
  policy: LedgerPolicy,
  note: string,
): { amount: number; note: string } {
  let amount = Math.max(0, Math.floor(requested));
  if (!policy.earningCap) return { amount, note };
  const room = Math.max(0, policy.earningCap.max - earnedInPeriod);
  if (amount > room) {
    note = `${note ? `${note}; ` : ''}capped from ${amount} to ${room} by the ${policy.earningCap.period}ly cap of ${policy.earningCap.max}`;
    amount = room;
  }
  return { amount, note };
}

// ---------------------------------------------------------------------------------------------
// FIFO replay: which earnings are still unspent. Oldest earnings are consumed first.

/** One ledger entry as the replay needs it. */
export interface LedgerEntryFacts {
  id: string;
  kind: 'award' | 'redemption' | 'expiry' | 'reversal';
  amount: number;
  earnedAt: string;
  expiresAt: string | null;
  createdAt: string;
  reversesEntryId: string | null;
}

/** What is left of one earning. */
export interface Lot {
  entryId: string;
  earnedAt: string;
  expiresAt: string | null;
  remaining: number;
  order: number;
}

/**
 * Replays a holder's entries in the order they were written (createdAt, strictly increasing per
 * holder) and returns what is left of each earning. Awards and refunds (positive reversals) add
 * lots; a reversed award takes its own lot first; an expiry takes the lots that had expired by its
 * date; everything else, and any remainder, is taken from the oldest lots first. `debt` is what
 * could not be taken (normally 0).
 */
export function replayLots(entries: readonly LedgerEntryFacts[]): { lots: Lot[]; debt: number } {
  const lots: Lot[] = [];
  let debt = 0;
  const sorted = [...entries].sort((a, b) =>
    a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  const fifo = (a: Lot, b: Lot) => (a.earnedAt < b.earnedAt ? -1 : a.earnedAt > b.earnedAt ? 1 : a.order - b.order);
  const take = (candidates: Lot[], need: number): number => {
    for (const lot of candidates.sort(fifo)) {
      if (need <= 0) break;
      const used = Math.min(lot.remaining, need);
      lot.remaining -= used;
      need -= used;
    }
    return need;
  };
  sorted.forEach((e, order) => {
    const amount = e.amount;
    if (amount > 0) {
      const lot: Lot = { entryId: e.id, earnedAt: e.earnedAt, expiresAt: e.expiresAt, remaining: amount, order };
      const paid = Math.min(debt, amount);
      lot.remaining -= paid;
      debt -= paid;
      lots.push(lot);
      return;
    }
    if (amount === 0) return;
    let need = -amount;
    if (e.kind === 'reversal' && e.reversesEntryId) {
      need = take(
        lots.filter((l) => l.entryId === e.reversesEntryId),
        need,
      );
    } else if (e.kind === 'expiry' && e.expiresAt) {
      const date = e.expiresAt;
      need = take(
        lots.filter((l) => l.expiresAt !== null && l.expiresAt <= date),
        need,
      );
    }
    need = take(
      lots.filter((l) => l.remaining > 0),
      need,
    );
    debt += need;
  });
  return { lots, debt };
}

/** The expiry entries a holder is due as of `asOf`: one per expiry date, oldest first. */
export function dueExpiries(entries: readonly LedgerEntryFacts[], asOf: string): { expiresAt: string; amount: number }[] {
  const { lots } = replayLots(entries);
  const expired = lots.filter((l) => l.remaining > 0 && l.expiresAt !== null && l.expiresAt <= asOf);
  const byDate = new Map<string, number>();
  for (const lot of expired) byDate.set(lot.expiresAt as string, (byDate.get(lot.expiresAt as string) ?? 0) + lot.remaining);
  return [...byDate.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([expiresAt, amount]) => ({ expiresAt, amount }));
}

// ---------------------------------------------------------------------------------------------
// Expiry notices and the daily expiry run

/**
 * What a holder will lose at each expiry date in (asOf, until]: the unspent remainder of the
 * earnings that expire then (FIFO replay), one line per date, oldest first; dates with nothing
 * left are left out. The month-ahead notice tells a family these.
 */
export function upcomingExpiries(entries: readonly LedgerEntryFacts[], asOf: string, until: string): { expiresAt: string; amount: number }[] {
  const { lots } = replayLots(entries);
  const byDate = new Map<string, number>();
  for (const lot of lots) {
    if (lot.remaining <= 0 || lot.expiresAt === null || lot.expiresAt <= asOf || lot.expiresAt > until) continue;
    byDate.set(lot.expiresAt, (byDate.get(lot.expiresAt) ?? 0) + lot.remaining);
  }
  return [...byDate.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([expiresAt, amount]) => ({ expiresAt, amount }));
}

/**
 * The next instant after `nowMs` at `minuteOfDay` local time (UTC offset in minutes): when the
 * daily expiry run wakes. Expiry dates are local midnights, so a run a few minutes after midnight
 * expires points on the day they expire.
 */
export function nextDailyRun(nowMs: number, utcOffsetMinutes: number, minuteOfDay: number): number {
  const offsetMs = utcOffsetMinutes * 60_000;
  const local = nowMs + offsetMs;
  const dayStart = Math.floor(local / 86_400_000) * 86_400_000;
  let next = dayStart + minuteOfDay * 60_000;
  if (next <= local) next += 86_400_000;
  return next - offsetMs;
}

// ---------------------------------------------------------------------------------------------
// Points staff award outside an activity (the source report's other earning paths)

/** 家庭学习 (family learning) and 志愿服务 outside an activity: each is written as the entry's rule, with no activity. */
export const STAFF_AWARD_PATHS = ['familyLearning', 'volunteering'] as const;
export type StaffAwardPath = (typeof STAFF_AWARD_PATHS)[number];

/** The most points one staff award may give (a typo guard; the earning cap applies on top). */
export const STAFF_AWARD_MAX = 1000;

/**
 * Whether a staff award of `requested` fits the cap: null when it does, else what the refusal
 * names (the cap, its period, what was earned already and what is left). A staff award is never
 * cut silently: the person awarding is told and may award what is left.
 */
export function staffAwardCapRefusal(
  requested: number,
  earnedInPeriod: number,
  policy: LedgerPolicy,
): { cap: number; period: 'month' | 'year'; earned: number; left: number } | null {
  const cap = policy.earningCap;
  if (!cap) return null;
  const left = Math.max(0, cap.max - earnedInPeriod);
  return requested <= left ? null : { cap: cap.max, period: cap.period, earned: earnedInPeriod, left };
}
