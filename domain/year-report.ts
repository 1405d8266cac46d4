/**
 * The shape of the year report (年度报告, issue 12): every incubation cycle of a period, in the
 * layout of the source report's chapter 7. `reports/year-report.ts` computes it from the records
 * (each figure's definition is documented there); the dashboard's year report page, its CSV and
 * its PDF read it. Every figure carries the ids of the records behind it, as the cycle report's do.
 */
import type { Locale } from './vocabulary';

/** A period: [from, to), ISO instants; `fromDay`/`toDay` are the Beijing calendar days it spans (toDay inclusive). */
export interface ReportPeriod {
  from: string;
  to: string;
  fromDay: string;
  toDay: string;
}

const BEIJING_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The instant a Beijing calendar day (YYYY-MM-DD) starts; undefined for a day that does not exist. */
export function beijingDayStartMs(day: string): number | undefined {
  const m = DAY.exec(day);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = Date.UTC(y, mo - 1, d);
  const back = new Date(utc);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return utc - BEIJING_OFFSET_MS;
}

/** The Beijing calendar day (YYYY-MM-DD) of an instant. */
export function beijingDayOf(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** The Beijing calendar month (YYYY-MM) of an ISO instant: the points-over-time chart's buckets. */
export function beijingMonthOf(iso: string): string {
  return beijingDayOf(Date.parse(iso)).slice(0, 7);
}

/** The period from the start of `fromDay` to the end of `toDay`, Beijing time; undefined when a day is invalid or toDay is before fromDay. */
export function periodOfDays(fromDay: string, toDay: string): ReportPeriod | undefined {
  const from = beijingDayStartMs(fromDay);
  const toStart = beijingDayStartMs(toDay);
  if (from === undefined || toStart === undefined || toStart < from) return undefined;
  return { from: new Date(from).toISOString(), to: new Date(toStart + DAY_MS).toISOString(), fromDay, toDay };
}

/** The calendar year `year` in Beijing time (the year report's default period). */
export function calendarYearPeriod(year: number): ReportPeriod {
  return periodOfDays(`${year}-01-01`, `${year}-12-31`) as ReportPeriod;
}

/** The Beijing calendar year an instant falls in. */
export function beijingYearOf(ms: number): number {
  return Number(beijingDayOf(ms).slice(0, 4));
}

/** The months (YYYY-MM) a period touches, in order. */
export function monthsOf(period: ReportPeriod): string[] {
  const months: string[] = [];
  const last = beijingMonthOf(new Date(Date.parse(period.to) - 1).toISOString());
  let [y, m] = period.fromDay.slice(0, 7).split('-').map(Number) as [number, number];
  for (;;) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    months.push(key);
    if (key >= last || months.length > 1200) return months;
    m += 1;
    if (m > 12) [y, m] = [y + 1, 1];
  }
}

/** A count and the ids of the records behind it. */
export interface Counted {
  count: number;
  ids: string[];
}

export interface YearActivityRow {
  activityId: string;
  title: string;
  cycleId: string;
  compound: string;
  startsAt: string;
  /** Family members checked in plus volunteers checked in (the activity's tally). */
  participants: number;
  volunteerPersonTimes: number;
  volunteerHours: number;
  /** Merchant venue lent for it, if any. */
  merchantId?: string;
  venueName?: string;
  venueHours: number;
}

export interface YearCycleRow {
  cycleId: string;
  name: string;
  periodStart: string | null;
  periodEnd: string | null;
  /** Held activities of the period that belong to this cycle. */
  activityIds: string[];
}

/** One month of the points-over-time chart: awarded and redeemed, with the ledger entries behind each. */
export interface PointsMonth {
  month: string;
  awarded: number;
  redeemed: number;
  awardEntryIds: string[];
  redemptionEntryIds: string[];
}

/** A ledger entry the report counted, with what a reader needs to find it (names, never ids, on pages). */
export interface YearLedgerEntry {
  entryId: string;
  holderKind: 'family' | 'volunteer';
  holderId: string;
  holderName: string;
  kind: string;
  rule: string | null;
  amount: number;
  activityId: string | null;
  createdAt: string;
}

/** A family the report counted: the held activities it attended and its points of the period. */
export interface YearFamilyRow {
  familyId: string;
  name: string;
  activityIds: string[];
  /** Net points awarded in the period (awards less reversals of them). */
  pointsAwarded: number;
  /** Points redeemed in the period, less refunds. */
  pointsRedeemed: number;
}

/** A volunteer who served at a held activity of the period. */
export interface YearVolunteerRow {
  volunteerId: string;
  name: string;
  profession: string | null;
  personTimes: number;
  hours: number;
  activityIds: string[];
}

export interface YearVenue {
  merchantId: string;
  venueName: string;
  hours: number;
  activityIds: string[];
}

export interface YearSponsorship {
  sponsorshipId: string;
  cycleId: string;
  merchantId: string;
  amountCny: number;
  recordedAt: string;
}

/**
 * The outcome evaluation's part of the year report (issue 12 items 2–3; reports/outcomes.ts
 * computes it). Data only: the year report page draws `items` as grouped before/after bars and
 * `responseRates` as a bar per survey; each may carry the page that lists its records.
 */
export interface YearOutcomeSection {
  /**
   * Pre/post per questionnaire item of each cycle with a baseline and an end: the share (0–1)
   * before and after, over `pairs` paired answers; null when too few to show. Labels in both
   * locales (the item's own wording), the page picks its own.
   */
  items: {
    label: Readonly<Record<Locale, string>>;
    /** yes/no: the share answering yes, the mean change in shares; Likert: the share answering 4 or 5, the mean change in points. */
    kind: 'likert' | 'yesNo';
    before: number | null;
    after: number | null;
    pairs: number;
    meanChange?: number | null;
    pValue?: number | null;
    href?: string;
  }[];
  /** Response rate per survey (an activity's participant survey, a cycle's baseline or end questionnaire). */
  responseRates: { label: Readonly<Record<Locale, string>>; invited: number; answered: number; href?: string }[];
}

export interface YearReport {
  version: 1;
  period: ReportPeriod;
  asOf: string;
  cycles: { count: number; rows: YearCycleRow[] };
  activities: { held: Counted; rows: YearActivityRow[] };
  participants: { total: number; average: number | null };
  families: {
    /** Distinct families checked in at a held activity of the period. */
    attended: Counted;
    /** Distinct families whose net points awarded in the period is above 0 (获得积分奖励的家庭). */
    rewarded: Counted;
    names: Record<string, string>;
    rows: YearFamilyRow[];
  };
  points: {
    awarded: { total: number; entryIds: string[] };
    redeemed: { points: number; entryIds: string[]; familyIds: string[] };
    byMonth: PointsMonth[];
    entries: YearLedgerEntry[];
  };
  merchants: { engaged: Counted; names: Record<string, string> };
  venues: { lent: { count: number; venues: YearVenue[] }; hours: number; activityIds: string[] };
  sponsorship: { totalCny: number; count: number; rows: YearSponsorship[] };
  volunteers: {
    /** Volunteer check-ins at held activities (one per volunteer and activity). */
    personTimes: { count: number; checkInIds: string[]; activityIds: string[] };
    distinct: Counted;
    hours: number;
    names: Record<string, string>;
    rows: YearVolunteerRow[];
  };
  /** Volunteers with a profession in the directory (专业志愿者, migration 016). */
  professionalVolunteers: {
    personTimes: { count: number; checkInIds: string[]; activityIds: string[] };
    distinct: Counted;
    hours: number;
    professions: Record<string, string>;
  };
  /** Family consultations (家庭咨询): the product keeps no record of them, so the report says so rather than inventing a figure. */
  consultations: { recorded: false };
  /** The outcome evaluation's figures; null until they are computed (see YearOutcomeSection). */
  outcomes: YearOutcomeSection | null;
}
