/**
 * The year report (年度报告, issue 12): every incubation cycle of a period, in the layout of the
 * source report's chapter 7, computed from the records over the whole period at once. Adding the
 * cycle reports together is wrong for a year: a family, merchant or venue in two cycles is two in
 * the sum, and a redemption is counted by every cycle its family belongs to whose window covers it.
 * Here each is counted once.
 *
 * Definitions (period [from, to), instants; the default is the Beijing calendar year):
 * - activities held: activities whose summary's outcome is `completed` and whose start is in the
 *   period, whatever their cycle. Cycles: those whose period overlaps the period, and the cycles
 *   of the held activities.
 * - participants of a held activity: family members plus volunteers checked in (the activity's
 *   tally, as the cycle report counts it); average: total ÷ activities held.
 * - families attended: distinct families checked in at a held activity. Families rewarded:
 *   distinct families whose points awarded in the period (`award` entries, less `reversal`s
 *   taking awards back, written in the period, from activities or staff) add up to more than 0.
 * - points awarded: the same entries for every holder; redeemed: families' `redemption` entries
 *   written in the period less refunds (positive `reversal`s), each ledger entry counted once;
 *   per month (Beijing time) for the chart.
 * - merchants engaged: distinct merchants that lent a venue to a held activity or whose
 *   sponsorship was recorded in the period. Venues lent: distinct (merchant, venue) of held
 *   activities in a merchant's venue; venue-hours: the sum of those activities' venue hours.
 * - sponsorship: the sum (exact to the fen) of the sponsorships recorded in the period.
 * - volunteer person-times: volunteer check-ins at held activities (one per volunteer and
 *   activity); hours: their service time (check-in to check-out, or to the close of check-in),
 *   summed per activity and rounded to 0.1 h as the activity's tally does.
 * - professional volunteers: the same over volunteers the directory gives a profession.
 * - family consultations: not recorded by the product (`recorded: false`).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/types';
import { tallyOf, volunteerServiceMs } from '../db/store';
import { num, toIso } from '../db/util';
import type { ActivitySummary } from '../domain/activity';
import {
  beijingMonthOf,
  monthsOf,
  type PointsMonth,
  type ReportPeriod,
  type YearActivityRow,
  type YearCycleRow,
  type YearFamilyRow,
  type YearVolunteerRow,
  type YearLedgerEntry,
  type YearOutcomeSection,
  type YearReport,
  type YearVenue,
} from '../domain/year-report';

const HOUR_MS = 3_600_000;
/** Rows per `IN (…)` list: far below PostgreSQL's parameter limit. */
const CHUNK = 500;

const round = (n: number, places: number): number => {
  const f = 10 ** places;
  return Math.round(n * f) / f;
};
const sortedUnique = (values: Iterable<string>): string[] => [...new Set(values)].sort();
const fen = (yuan: number) => Math.round(yuan * 100);

/** The rows grouped by key in one pass (per-family and per-volunteer figures stay linear in the rows). */
function groupBy<T>(rows: readonly T[], keyOf: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

async function inChunks<T>(ids: readonly string[], query: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await query(ids.slice(i, i + CHUNK))));
  return out;
}

/** Computes the outcome section of the period's cycles (reports/year-outcomes.ts). */
export type YearOutcomes = (db: Kysely<Database>, cycles: readonly { cycleId: string; name: string }[]) => Promise<YearOutcomeSection | null>;

export interface YearReportOptions {
  /** Default: now. Bounds nothing but is recorded, so a printed report says when it was computed. */
  asOf?: string;
  outcomes?: YearOutcomes;
}

/** Computes the year report of `period` from the records. */
export async function computeYearReport(db: Kysely<Database>, period: ReportPeriod, options: YearReportOptions = {}): Promise<YearReport> {
  const asOf = toIso(options.asOf ?? new Date());
  const fromMs = Date.parse(period.from);
  const toMs = Date.parse(period.to);
  const inPeriod = (iso: string | null | undefined) => {
    if (!iso) return false;
    const ms = Date.parse(iso);
    return ms >= fromMs && ms < toMs;
  };

  // ---- activities held in the period ----------------------------------------------------------
  // Start times are compared as instants: a plan's start may carry any offset.
  const summaries = new Map<string, ActivitySummary>();
  for (const row of await db.selectFrom('activity_summaries').select(['activity_id', 'summary_json', 'starts_at']).where('outcome', '=', 'completed').execute()) {
    if (inPeriod(row.starts_at)) summaries.set(row.activity_id, JSON.parse(row.summary_json) as ActivitySummary);
  }
  const heldIds = [...summaries.keys()].sort();
  const recorded = await inChunks(heldIds, (chunk) => db.selectFrom('activities').selectAll().where('id', 'in', chunk).execute());
  const recordedById = new Map(recorded.map((r) => [r.id, r]));
  const closedAtOf = (id: string): string => {
    const a = recordedById.get(id);
    return a?.attendance_closed_at ?? a?.attendance_closes_at ?? a?.ends_at ?? summaries.get(id)?.endsAt ?? asOf;
  };

  const checkIns = await inChunks(heldIds, (chunk) => db.selectFrom('check_ins').selectAll().where('activity_id', 'in', chunk).orderBy('id').execute());
  const checkInsByActivity = groupBy(checkIns, (c) => c.activity_id);

  // ---- volunteers ----------------------------------------------------------------------------
  const volunteerCheckIns = checkIns.filter((c) => c.person_kind === 'volunteer');
  const volunteerIds = sortedUnique(volunteerCheckIns.map((c) => c.person_id));
  const volunteerDirectory = await inChunks(volunteerIds, (chunk) => db.selectFrom('volunteers').select(['id', 'name', 'profession']).where('id', 'in', chunk).execute());
  const volunteerNames = Object.fromEntries(volunteerDirectory.map((v) => [v.id, v.name]));
  const professions = Object.fromEntries(volunteerDirectory.filter((v) => v.profession !== null && v.profession !== '').map((v) => [v.id, v.profession as string]));
  const serviceMs = new Map<string, number>(); // `${activityId}\n${volunteerId}` → ms
  for (const id of heldIds) {
    for (const [volunteerId, ms] of volunteerServiceMs(checkInsByActivity.get(id) ?? [], closedAtOf(id))) serviceMs.set(`${id}\n${volunteerId}`, ms);
  }
  const volunteerFigures = (rows: typeof volunteerCheckIns) => {
    const perActivity = new Map<string, number>();
    for (const c of rows) perActivity.set(c.activity_id, (perActivity.get(c.activity_id) ?? 0) + (serviceMs.get(`${c.activity_id}\n${c.person_id}`) ?? 0));
    const ids = sortedUnique(rows.map((c) => c.person_id));
    return {
      personTimes: { count: rows.length, checkInIds: rows.map((c) => c.id), activityIds: sortedUnique(rows.map((c) => c.activity_id)) },
      distinct: { count: ids.length, ids },
      // Rounded per activity first, as each activity's tally rounds its volunteer hours.
      hours: round([...perActivity.values()].reduce((s, ms) => s + round(ms / HOUR_MS, 1), 0), 1),
    };
  };

  // ---- activities' rows ----------------------------------------------------------------------
  const rows: YearActivityRow[] = heldIds.map((id) => {
    const s = summaries.get(id) as ActivitySummary;
    const a = recordedById.get(id);
    const own = checkInsByActivity.get(id) ?? [];
    const t = tallyOf(own, closedAtOf(id));
    const venue = s.venue;
    const merchantVenue = !!venue?.merchantId && (venue.source === 'merchant' || venue.source === 'coordinator');
    return {
      activityId: id,
      title: s.title ?? a?.title ?? '',
      cycleId: s.cycleId ?? a?.cycle_id ?? '',
      compound: s.compound ?? a?.compound_id ?? '',
      startsAt: s.startsAt ?? a?.starts_at ?? '',
      participants: t.participants,
      volunteerPersonTimes: own.filter((c) => c.person_kind === 'volunteer').length,
      volunteerHours: t.volunteerHours,
      ...(merchantVenue && venue?.merchantId ? { merchantId: venue.merchantId, venueName: venue.venueName } : {}),
      venueHours: merchantVenue && venue ? venue.hours : 0,
    };
  });
  rows.sort((x, y) => Date.parse(x.startsAt) - Date.parse(y.startsAt) || (x.activityId < y.activityId ? -1 : 1));
  const participantsTotal = rows.reduce((s, r) => s + r.participants, 0);

  // ---- cycles ----------------------------------------------------------------------------------
  const allCycles = await db.selectFrom('cycles').select(['id', 'name', 'period_start', 'period_end']).execute();
  const heldCycleIds = new Set(rows.map((r) => r.cycleId));
  const cycleRows: YearCycleRow[] = allCycles
    .filter((c) => heldCycleIds.has(c.id) || (Date.parse(c.period_start) < toMs && Date.parse(c.period_end) >= fromMs))
    .map((c) => ({ cycleId: c.id, name: c.name, periodStart: c.period_start, periodEnd: c.period_end, activityIds: rows.filter((r) => r.cycleId === c.id).map((r) => r.activityId) }));
  const known = new Set(cycleRows.map((c) => c.cycleId));
  // Activities can carry a cycle id that was never started as a cycle (the activity API allows it).
  for (const cycleId of [...heldCycleIds].filter((id) => !known.has(id)).sort()) {
    cycleRows.push({ cycleId, name: cycleId, periodStart: null, periodEnd: null, activityIds: rows.filter((r) => r.cycleId === cycleId).map((r) => r.activityId) });
  }
  cycleRows.sort((x, y) => (x.periodStart ?? '').localeCompare(y.periodStart ?? '') || x.cycleId.localeCompare(y.cycleId));

  // ---- ledger ----------------------------------------------------------------------------------
  const from = toIso(period.from);
  const to = toIso(period.to);
  const entries = await db
    .selectFrom('points_entries')
    .selectAll()
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .where((eb) =>
      eb.or([
        eb('kind', '=', 'award'),
        eb('kind', '=', 'reversal'),
        eb.and([eb('kind', '=', 'redemption'), eb('holder_kind', '=', 'family')]),
      ]),
    )
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const isAward = (e: (typeof entries)[number]) => e.kind === 'award' || (e.kind === 'reversal' && num(e.amount) < 0);
  const isRedemption = (e: (typeof entries)[number]) => e.holder_kind === 'family' && (e.kind === 'redemption' || (e.kind === 'reversal' && num(e.amount) > 0));
  const awards = entries.filter(isAward);
  const redemptions = entries.filter(isRedemption);
  const sum = (list: readonly { amount: number | string }[]) => list.reduce((s, e) => s + num(e.amount), 0);
  /** Points taken out of balances, as a positive figure (never -0). */
  const spent = (list: readonly { amount: number | string }[]) => 0 - sum(list) || 0;

  const netAwardByFamily = new Map<string, number>();
  for (const e of awards) if (e.holder_kind === 'family') netAwardByFamily.set(e.holder_id, (netAwardByFamily.get(e.holder_id) ?? 0) + num(e.amount));
  const rewardedIds = [...netAwardByFamily.entries()].filter(([, n]) => n > 0).map(([id]) => id).sort();
  const attendedIds = sortedUnique(checkIns.filter((c) => c.person_kind === 'family').map((c) => c.person_id));

  const byMonth = new Map<string, PointsMonth>(monthsOf(period).map((month) => [month, { month, awarded: 0, redeemed: 0, awardEntryIds: [], redemptionEntryIds: [] }]));
  const monthOf = (iso: string) => {
    const key = beijingMonthOf(iso);
    const m = byMonth.get(key) ?? { month: key, awarded: 0, redeemed: 0, awardEntryIds: [], redemptionEntryIds: [] };
    byMonth.set(key, m);
    return m;
  };
  for (const e of awards) {
    const m = monthOf(e.created_at);
    m.awarded += num(e.amount);
    m.awardEntryIds.push(e.id);
  }
  for (const e of redemptions) {
    const m = monthOf(e.created_at);
    m.redeemed = m.redeemed - num(e.amount) || 0;
    m.redemptionEntryIds.push(e.id);
  }

  // ---- names -----------------------------------------------------------------------------------
  const familyIds = sortedUnique([...attendedIds, ...rewardedIds, ...entries.filter((e) => e.holder_kind === 'family').map((e) => e.holder_id)]);
  const families = await inChunks(familyIds, (chunk) => db.selectFrom('families').select(['id', 'name']).where('id', 'in', chunk).execute());
  const familyNames = Object.fromEntries(families.map((f) => [f.id, f.name]));
  const entryVolunteerIds = sortedUnique(entries.filter((e) => e.holder_kind === 'volunteer' && !(e.holder_id in volunteerNames)).map((e) => e.holder_id));
  const moreVolunteers = await inChunks(entryVolunteerIds, (chunk) => db.selectFrom('volunteers').select(['id', 'name']).where('id', 'in', chunk).execute());
  const moreVolunteerNames = new Map(moreVolunteers.map((v) => [v.id, v.name]));
  const holderName = (kind: string, id: string) =>
    (kind === 'family' ? familyNames[id] : (volunteerNames[id] ?? moreVolunteerNames.get(id))) ?? '';
  const ledgerEntries: YearLedgerEntry[] = [...awards, ...redemptions].map((e) => ({
    entryId: e.id,
    holderKind: e.holder_kind as 'family' | 'volunteer',
    holderId: e.holder_id,
    holderName: holderName(e.holder_kind, e.holder_id),
    kind: e.kind,
    rule: e.rule,
    amount: num(e.amount),
    activityId: e.activity_id,
    createdAt: e.created_at,
  }));

  // ---- merchants, venues, sponsorship --------------------------------------------------------------
  const venueMap = new Map<string, YearVenue>();
  for (const r of rows) {
    if (!r.merchantId || r.venueName === undefined) continue;
    const key = JSON.stringify([r.merchantId, r.venueName]);
    const v = venueMap.get(key) ?? { merchantId: r.merchantId, venueName: r.venueName, hours: 0, activityIds: [] };
    v.hours = round(v.hours + r.venueHours, 2);
    v.activityIds.push(r.activityId);
    venueMap.set(key, v);
  }
  const venues = [...venueMap.values()].sort((a, b) => a.merchantId.localeCompare(b.merchantId) || a.venueName.localeCompare(b.venueName));
  const sponsorships = (await db.selectFrom('sponsorships').selectAll().orderBy('recorded_at').orderBy('id').execute())
    .filter((s) => inPeriod(s.recorded_at))
    .map((s) => ({ sponsorshipId: s.id, cycleId: s.cycle_id, merchantId: s.merchant_id, amountCny: num(s.amount_cny), recordedAt: s.recorded_at }));
  const merchantIds = sortedUnique([...venues.map((v) => v.merchantId), ...sponsorships.map((s) => s.merchantId)]);
  const merchants = await inChunks(merchantIds, (chunk) => db.selectFrom('merchants').select(['id', 'name']).where('id', 'in', chunk).execute());

  const professionalCheckIns = volunteerCheckIns.filter((c) => c.person_id in professions);
  const vol = volunteerFigures(volunteerCheckIns);
  const checkInsByVolunteer = groupBy(volunteerCheckIns, (c) => c.person_id);
  const familyCheckInsByFamily = groupBy(
    checkIns.filter((c) => c.person_kind === 'family'),
    (c) => c.person_id,
  );
  const redemptionsByFamily = groupBy(redemptions, (e) => e.holder_id);
  const volunteerRows: YearVolunteerRow[] = volunteerIds.map((id) => {
    const own = checkInsByVolunteer.get(id) ?? [];
    return {
      volunteerId: id,
      name: volunteerNames[id] ?? '',
      profession: professions[id] ?? null,
      personTimes: own.length,
      hours: round(own.reduce((s, c) => s + round((serviceMs.get(`${c.activity_id}\n${id}`) ?? 0) / HOUR_MS, 1), 0), 1),
      activityIds: sortedUnique(own.map((c) => c.activity_id)),
    };
  });
  const familyRows: YearFamilyRow[] = sortedUnique([...attendedIds, ...rewardedIds, ...redemptions.map((e) => e.holder_id)]).map((id) => ({
    familyId: id,
    name: familyNames[id] ?? '',
    activityIds: sortedUnique((familyCheckInsByFamily.get(id) ?? []).map((c) => c.activity_id)),
    pointsAwarded: netAwardByFamily.get(id) ?? 0,
    pointsRedeemed: spent(redemptionsByFamily.get(id) ?? []),
  }));
  const pro = volunteerFigures(professionalCheckIns);

  return {
    version: 1,
    period,
    asOf,
    cycles: { count: cycleRows.length, rows: cycleRows },
    activities: { held: { count: heldIds.length, ids: rows.map((r) => r.activityId) }, rows },
    participants: { total: participantsTotal, average: heldIds.length ? round(participantsTotal / heldIds.length, 1) : null },
    families: {
      attended: { count: attendedIds.length, ids: attendedIds },
      rewarded: { count: rewardedIds.length, ids: rewardedIds },
      names: familyNames,
      rows: familyRows,
    },
    points: {
      awarded: { total: sum(awards), entryIds: awards.map((e) => e.id) },
      redeemed: { points: spent(redemptions), entryIds: redemptions.map((e) => e.id), familyIds: sortedUnique(redemptions.map((e) => e.holder_id)) },
      byMonth: [...byMonth.values()].sort((a, b) => a.month.localeCompare(b.month)),
      entries: ledgerEntries,
    },
    merchants: { engaged: { count: merchantIds.length, ids: merchantIds }, names: Object.fromEntries(merchants.map((m) => [m.id, m.name])) },
    venues: { lent: { count: venues.length, venues }, hours: round(venues.reduce((s, v) => s + v.hours, 0), 2), activityIds: sortedUnique(venues.flatMap((v) => v.activityIds)) },
    sponsorship: { totalCny: sponsorships.reduce((s, x) => s + fen(x.amountCny), 0) / 100, count: sponsorships.length, rows: sponsorships },
    volunteers: { ...vol, names: volunteerNames, rows: volunteerRows },
    professionalVolunteers: { ...pro, professions },
    consultations: { recorded: false },
    outcomes: options.outcomes ? await options.outcomes(db, cycleRows) : null,
  };
}
