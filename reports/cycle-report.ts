/**
 * The incubation cycle report (孵化周期报告): what a cycle's activities achieved, for the
 * coordinator and the funders. Every figure is computed here from the records — the activities'
 * summaries, check-ins, the points ledger, sponsorships, milestones — never typed in, and every
 * figure carries the ids of the records behind it so anyone can trace it back.
 *
 * Which activities belong to a cycle: those recorded with its cycle id (the `activities` table,
 * written when each activity's workflow starts) and those whose summary names it.
 *
 * Definitions (asOf: the instant the report is computed; the final report is computed when the
 * cycle closes, after the period's end once none of its activities still runs):
 * - held / cancelled / rejected: the outcome in the activity's summary. An activity of the cycle
 *   without a summary yet is `unfinished`.
 * - participants of a held activity: family members checked in (the member count given at
 *   check-in) plus volunteers checked in — the same count the activity's tally takes. Average:
 *   total participants ÷ held activities.
 * - distinct families: families with a check-in at any of the cycle's activities (the cycle's
 *   families). Families that earned points: cycle families whose net award from the cycle's
 *   activities (awards less reversals of them) is above 0.
 * - points (see `PointsFigures`): awarded by activity; redeemed, expired and outstanding for the
 *   cycle's families over the ledger window [periodStart, asOf).
 * - volunteers: distinct volunteers checked in at held activities; hours: the sum over held
 *   activities of each one's volunteer hours (check-in to check-out, or to the close of check-in),
 *   as the activity's tally rounds them (0.1 h).
 * - merchants engaged: merchants that lent a venue to a held activity or sponsored the cycle.
 *   Venues lent: distinct (merchant, venue) of held activities whose venue is a merchant's (secured
 *   from a merchant's acceptance, or assigned by the coordinator with a merchant); venue-hours:
 *   the hours of those activities' venues.
 * - sponsorship: the sum of the cycle's `sponsorships` rows (yuan, exact to the fen).
 * - approval turnaround: `approvalTurnaroundMs` of each summary that has one (the first approval
 *   request to the final decision, any outcome); median (the mean of the middle two for an even
 *   count) and slowest.
 * - supervision feedback: per rating, the mean over held activities with feedback (2 decimals);
 *   missing: held activities whose feedback deadline passed without it.
 * - milestones: on time when recorded done by the due time, late when after it; missed when not
 *   done and past due at asOf; pending when not done and not yet past due (`milestoneState`
 *   in domain/cycle.ts, the rule the cycle workflow's progress uses too).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/types';
import { tallyOf, volunteerServiceMs } from '../db/store';
import { Cycles, CycleError } from '../db/services/cycles';
import { num, toIso } from '../db/util';
import type { ActivitySummary } from '../domain/activity';
import { milestoneState } from '../domain/cycle';
import { STAFF_AWARD_PATHS } from '../domain/points';
import type { Cell, CsvTable } from '../lib/csv';
import { formatDateTime } from '../i18n/format';
import type {
  ActivityCount,
  ActivityReportRow,
  FamilyReportRow,
  VolunteerReportRow,
  CouponFigures,
  PointsFigures,
  MilestoneReportRow,
  SponsorshipReportRow,
  CycleReport,
} from '../domain/cycle-report';
import { ACTIVITY_OUTCOMES, ACTIVITY_OUTCOME_TERMS, label, type ActivityOutcome, type Locale } from '../domain/vocabulary';
import { catalogFor } from '../i18n';
import { CSV_COLUMNS, type CsvSummaryFigure, type CsvTableName } from '../i18n/catalog';


const HOUR_MS = 3_600_000;

const round = (n: number, places: number): number => {
  const f = 10 ** places;
  return Math.round(n * f) / f;
};
const sortedUnique = (values: Iterable<string>): string[] => [...new Set(values)].sort();
const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The rows grouped by key, each group in the rows' order. Built once, so that per-holder and
 * per-activity figures cost one pass over the rows instead of one filter per holder (the report
 * grew quadratically with the families before).
 */
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

/** Median of the values (the mean of the middle two for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Computes the report of a cycle from the records. Throws CycleError CYCLE_NOT_FOUND when the
 * cycle is not recorded. `asOf` (default: now) bounds the ledger window and decides which
 * undone milestones are missed.
 */
export async function computeCycleReport(db: Kysely<Database>, cycleId: string, options: { asOf?: string } = {}): Promise<CycleReport> {
  const asOf = toIso(options.asOf ?? new Date());
  const cycles = new Cycles(db);
  const cycle = await cycles.get(cycleId);
  if (!cycle) throw new CycleError('CYCLE_NOT_FOUND', `no cycle ${cycleId}`);

  // ---- the cycle's activities ---------------------------------------------------------------
  const summaries = new Map<string, ActivitySummary>();
  for (const row of await db.selectFrom('activity_summaries').select(['activity_id', 'summary_json']).where('cycle_id', '=', cycleId).execute()) {
    summaries.set(row.activity_id, JSON.parse(row.summary_json) as ActivitySummary);
  }
  const recorded = await db.selectFrom('activities').selectAll().where('cycle_id', '=', cycleId).execute();
  const recordedById = new Map(recorded.map((r) => [r.id, r]));
  const activityIds = sortedUnique([...summaries.keys(), ...recordedById.keys()]);
  const outcomeOf = (id: string) => summaries.get(id)?.outcome ?? 'unfinished';
  const idsWith = (outcome: string) => activityIds.filter((id) => outcomeOf(id) === outcome);
  const heldIds = idsWith('completed');

  // ---- check-ins ----------------------------------------------------------------------------
  const checkIns = activityIds.length ? await db.selectFrom('check_ins').selectAll().where('activity_id', 'in', activityIds).execute() : [];
  /** When the activity's check-in closed: volunteers still checked in are counted to then. */
  const closedAtOf = (id: string): string => {
    const a = recordedById.get(id);
    return a?.attendance_closed_at ?? a?.attendance_closes_at ?? a?.ends_at ?? summaries.get(id)?.endsAt ?? asOf;
  };
  const checkInsByActivity = groupBy(checkIns, (c) => c.activity_id);
  const checkInsOf = (id: string) => checkInsByActivity.get(id) ?? [];
  const tallies = new Map(activityIds.map((id) => [id, tallyOf(checkInsOf(id), closedAtOf(id))]));
  const familyCheckIns = checkIns.filter((c) => c.person_kind === 'family');
  const familyIds = sortedUnique(familyCheckIns.map((c) => c.person_id));
  const familyCheckInsByFamily = groupBy(familyCheckIns, (c) => c.person_id);
  const heldIdSet = new Set(heldIds);
  const heldVolunteerCheckIns = checkIns.filter((c) => c.person_kind === 'volunteer' && heldIdSet.has(c.activity_id));
  const volunteerIds = sortedUnique(heldVolunteerCheckIns.map((c) => c.person_id));
  const heldVolunteerCheckInsByVolunteer = groupBy(heldVolunteerCheckIns, (c) => c.person_id);
  /** Each held activity's service time per volunteer, worked out once per activity. */
  const serviceMsByActivity = new Map<string, Map<string, number>>();
  const serviceMsOf = (activityId: string): Map<string, number> => {
    let ms = serviceMsByActivity.get(activityId);
    if (!ms) {
      ms = volunteerServiceMs(checkInsOf(activityId), closedAtOf(activityId));
      serviceMsByActivity.set(activityId, ms);
    }
    return ms;
  };

  // ---- ledger -------------------------------------------------------------------------------
  const window = { from: toIso(cycle.periodStart), to: asOf };
  const awardEntries = activityIds.length
    ? await db
        .selectFrom('points_entries')
        .selectAll()
        .where('activity_id', 'in', activityIds)
        .where((eb) => eb.or([eb('kind', '=', 'award'), eb.and([eb('kind', '=', 'reversal'), eb('amount', '<', 0)])]))
        .where('created_at', '<', asOf)
        .orderBy('id')
        .execute()
    : [];
  const familyEntries = familyIds.length
    ? await db
        .selectFrom('points_entries')
        .selectAll()
        .where('holder_kind', '=', 'family')
        .where('holder_id', 'in', familyIds)
        .where('created_at', '<', asOf)
        .orderBy('id')
        .execute()
    : [];
  const inWindow = familyEntries.filter((e) => e.created_at >= window.from);
  const redemptionEntries = inWindow.filter((e) => e.kind === 'redemption' || (e.kind === 'reversal' && num(e.amount) > 0));
  const expiryEntries = inWindow.filter((e) => e.kind === 'expiry');
  const sum = (rows: readonly { amount: number | string }[]) => rows.reduce((s, e) => s + num(e.amount), 0);
  /** Points taken out of balances, as a positive figure (never -0). */
  const spent = (rows: readonly { amount: number | string }[]) => 0 - sum(rows) || 0;
  const awardsByHolder = groupBy(awardEntries, (e) => `${e.holder_kind}:${e.holder_id}`);
  const awardsByActivity = groupBy(awardEntries, (e) => e.activity_id ?? '');
  const earnedBy = (kind: 'family' | 'volunteer', id: string) => sum(awardsByHolder.get(`${kind}:${id}`) ?? []);
  const pointsOfActivity = (id: string) => sum(awardsByActivity.get(id) ?? []);
  const byHolder = (rows: typeof familyEntries) => groupBy(rows, (e) => e.holder_id);
  const familyEntriesByFamily = byHolder(familyEntries);
  const redemptionsByFamily = byHolder(redemptionEntries);
  const expiriesByFamily = byHolder(expiryEntries);

  // Points staff awarded outside activities to the cycle's compounds' families, in the cycle's period.
  const outsideUntil = toIso(cycle.periodEnd) < asOf ? toIso(cycle.periodEnd) : asOf;
  const outsideEntries = cycle.compounds.length
    ? await db
        .selectFrom('points_entries as e')
        .innerJoin('families as f', 'f.id', 'e.holder_id')
        .selectAll('e')
        .where('e.holder_kind', '=', 'family')
        .where('f.compound_id', 'in', cycle.compounds)
        .where('e.activity_id', 'is', null)
        .where('e.rule', 'in', [...STAFF_AWARD_PATHS])
        .where((eb) => eb.or([eb('e.kind', '=', 'award'), eb.and([eb('e.kind', '=', 'reversal'), eb('e.amount', '<', 0)])]))
        .where('e.created_at', '>=', window.from)
        .where('e.created_at', '<', outsideUntil)
        .orderBy('e.id')
        .execute()
    : [];

  const points: PointsFigures = {
    window,
    awarded: {
      total: sum(awardEntries),
      toFamilies: sum(awardEntries.filter((e) => e.holder_kind === 'family')),
      toVolunteers: sum(awardEntries.filter((e) => e.holder_kind === 'volunteer')),
      activityIds: sortedUnique(awardEntries.map((e) => e.activity_id ?? '').filter(Boolean)),
      entryIds: awardEntries.map((e) => e.id),
    },
    redeemed: {
      points: spent(redemptionEntries),
      familyIds: sortedUnique(redemptionEntries.map((e) => e.holder_id)),
      entryIds: redemptionEntries.map((e) => e.id),
    },
    expired: {
      points: spent(expiryEntries),
      familyIds: sortedUnique(expiryEntries.map((e) => e.holder_id)),
      entryIds: expiryEntries.map((e) => e.id),
    },
    outstanding: { points: sum(familyEntries), familyIds },
    outsideActivities: {
      total: sum(outsideEntries),
      familyLearning: sum(outsideEntries.filter((e) => e.rule === 'familyLearning')),
      volunteering: sum(outsideEntries.filter((e) => e.rule === 'volunteering')),
      familyIds: sortedUnique(outsideEntries.map((e) => e.holder_id)),
      entryIds: outsideEntries.map((e) => e.id),
    },
  };
  // ---- coupons used (by families of the cycle's compounds, in the window) ------------------------
  const usedCoupons = cycle.compounds.length
    ? await db
        .selectFrom('coupon_events as e')
        .innerJoin('redemptions as r', 'r.id', 'e.redemption_id')
        .innerJoin('families as f', 'f.id', 'r.family_id')
        .innerJoin('rewards as w', 'w.id', 'r.reward_id')
        .leftJoin('merchants as m', 'm.id', 'w.merchant_id')
        .select(['r.id as redemptionId', 'w.merchant_id as merchantId', 'm.name as merchantName'])
        .where('e.kind', '=', 'used')
        .where('e.at', '>=', window.from)
        .where('e.at', '<', asOf)
        .where('f.compound_id', 'in', cycle.compounds)
        .orderBy('r.id')
        .execute()
    : [];
  const couponsByMerchant = groupBy(usedCoupons, (c) => c.merchantId ?? '');
  const coupons: CouponFigures = {
    used: { count: usedCoupons.length, redemptionIds: usedCoupons.map((c) => c.redemptionId) },
    byMerchant: [...couponsByMerchant.entries()]
      .sort(([a], [b]) => byId(a, b))
      .map(([merchantId, rows]) => ({ merchantId: merchantId || null, name: rows[0]?.merchantName ?? '', used: rows.length, redemptionIds: rows.map((r) => r.redemptionId) })),
  };

  const earningFamilies = familyIds.filter((id) => earnedBy('family', id) > 0);
  const earningFamilySet = new Set(earningFamilies);

  // ---- directory names (for the tables) -------------------------------------------------------
  const families = familyIds.length
    ? await db.selectFrom('families').select(['id', 'name', 'compound_id']).where('id', 'in', familyIds).execute()
    : [];
  const volunteersDir = volunteerIds.length ? await db.selectFrom('volunteers').select(['id', 'name']).where('id', 'in', volunteerIds).execute() : [];
  const familyById = new Map(families.map((f) => [f.id, f]));
  const volunteerNames = new Map(volunteersDir.map((v) => [v.id, v.name]));

  // ---- activities' rows -----------------------------------------------------------------------
  const rows: ActivityReportRow[] = activityIds.map((id) => {
    const s = summaries.get(id);
    const a = recordedById.get(id);
    const outcome = outcomeOf(id);
    const held = outcome === 'completed';
    const t = tallies.get(id) ?? { participants: 0, families: 0, volunteers: 0, volunteerHours: 0 };
    const venue = s?.venue;
    const feedback = s?.feedback;
    return {
      activityId: id,
      title: s?.title ?? a?.title ?? '',
      theme: s?.theme ?? '',
      compound: s?.compound ?? a?.compound_id ?? '',
      startsAt: s?.startsAt ?? a?.starts_at ?? '',
      endsAt: s?.endsAt ?? a?.ends_at ?? '',
      outcome,
      ...(outcome === 'unfinished' && a ? { stage: a.stage } : {}),
      participants: held ? t.participants : 0,
      families: held ? t.families : 0,
      volunteers: held ? t.volunteers : 0,
      volunteerHours: held ? t.volunteerHours : 0,
      pointsAwarded: pointsOfActivity(id),
      ...(venue ? { venueName: venue.venueName, venueSource: venue.source } : {}),
      ...(venue?.merchantId ? { merchantId: venue.merchantId } : {}),
      venueHours: held && venue ? venue.hours : 0,
      ...(s ? { approvalRounds: s.approvalRounds } : {}),
      ...(s?.approvalTurnaroundMs !== undefined ? { approvalTurnaroundMs: s.approvalTurnaroundMs } : {}),
      approvalEscalated: !!s?.decisions.some((d) => d.kind === 'approvalEscalated'),
      feedback: feedback && typeof feedback === 'object' ? 'received' : feedback === 'missing' ? 'missing' : 'notApplicable',
      ...(feedback && typeof feedback === 'object' ? { ratings: { ...feedback.ratings } } : {}),
    };
  });
  const rowById = new Map(rows.map((r) => [r.activityId, r]));
  const rowOf = (id: string) => rowById.get(id) as ActivityReportRow;

  // ---- participants, volunteers -------------------------------------------------------------
  const perActivity = heldIds.map((id) => ({ activityId: id, participants: rowOf(id).participants }));
  const participantsTotal = perActivity.reduce((s, p) => s + p.participants, 0);
  const hoursPerActivity = heldIds.map((id) => ({ activityId: id, hours: rowOf(id).volunteerHours }));

  // ---- merchants and venues -----------------------------------------------------------------
  const merchantVenueIds = heldIds.filter((id) => {
    const v = summaries.get(id)?.venue;
    return !!v?.merchantId && (v.source === 'merchant' || v.source === 'coordinator');
  });
  const venueMap = new Map<string, { merchantId: string; venueName: string; hours: number; activityIds: string[] }>();
  for (const id of merchantVenueIds) {
    const v = summaries.get(id)?.venue;
    if (!v?.merchantId) continue;
    const key = JSON.stringify([v.merchantId, v.venueName]);
    const entry = venueMap.get(key) ?? { merchantId: v.merchantId, venueName: v.venueName, hours: 0, activityIds: [] };
    entry.hours = round(entry.hours + rowOf(id).venueHours, 2);
    entry.activityIds.push(id);
    venueMap.set(key, entry);
  }
  const venues = [...venueMap.values()].sort((a, b) => byId(a.merchantId, b.merchantId) || byId(a.venueName, b.venueName));

  const sponsorships = await cycles.listSponsorships(cycleId);
  const merchantIdsAll = sortedUnique([...venues.map((v) => v.merchantId), ...sponsorships.map((s) => s.merchantId)]);
  const merchantNames = new Map(
    (merchantIdsAll.length ? await db.selectFrom('merchants').select(['id', 'name']).where('id', 'in', merchantIdsAll).execute() : []).map((m) => [m.id, m.name]),
  );
  const fen = (yuan: number) => Math.round(yuan * 100);
  const byMerchant = new Map<string, { merchantId: string; fen: number; sponsorshipIds: string[] }>();
  for (const s of sponsorships) {
    const entry = byMerchant.get(s.merchantId) ?? { merchantId: s.merchantId, fen: 0, sponsorshipIds: [] };
    entry.fen += fen(s.amountCny);
    entry.sponsorshipIds.push(s.id);
    byMerchant.set(s.merchantId, entry);
  }

  // ---- approvals and feedback ---------------------------------------------------------------
  const decided = activityIds.filter((id) => summaries.get(id)?.approvalTurnaroundMs !== undefined);
  const turnarounds = decided.map((id) => ({ activityId: id, turnaroundMs: summaries.get(id)?.approvalTurnaroundMs as number }));
  const slowest = turnarounds.reduce<{ activityId: string; turnaroundMs: number } | null>(
    (max, t) => (max === null || t.turnaroundMs > max.turnaroundMs ? t : max),
    null,
  );
  const withFeedback = heldIds.filter((id) => rowOf(id).feedback === 'received');
  const mean = (pick: (r: NonNullable<ActivityReportRow['ratings']>) => number) =>
    round(withFeedback.reduce((s, id) => s + pick(rowOf(id).ratings as NonNullable<ActivityReportRow['ratings']>), 0) / withFeedback.length, 2);

  // ---- milestones ---------------------------------------------------------------------------
  const milestoneRows: MilestoneReportRow[] = (await cycles.milestones(cycleId)).map((m) => {
    const judged = milestoneState(m, Date.parse(asOf));
    const status: MilestoneReportRow['status'] =
      judged.state === 'done' ? (judged.onTime ? 'onTime' : 'late') : judged.state === 'overdue' ? 'missed' : 'pending';
    return {
      milestoneId: m.milestoneId,
      name: m.name,
      dueAt: m.dueAt,
      doneAt: m.doneAt,
      doneBy: m.doneBy ? m.doneBy.name : null,
      notes: m.notes,
      status,
      lateByMs: m.doneAt ? Date.parse(m.doneAt) - Date.parse(m.dueAt) : null,
    };
  });
  const milestonesWith = (status: MilestoneReportRow['status']) => {
    const ids = milestoneRows.filter((m) => m.status === status).map((m) => m.milestoneId);
    return { count: ids.length, milestoneIds: ids };
  };

  const count = (ids: string[]): ActivityCount => ({ count: ids.length, activityIds: ids });

  return {
    version: 1,
    cycleId,
    name: cycle.name,
    periodStart: cycle.periodStart,
    periodEnd: cycle.periodEnd,
    compounds: cycle.compounds,
    asOf,
    activities: {
      held: count(heldIds),
      cancelled: count(idsWith('cancelled')),
      rejected: count(idsWith('rejected')),
      unfinished: count(idsWith('unfinished')),
      rows,
    },
    participants: {
      total: participantsTotal,
      average: heldIds.length ? round(participantsTotal / heldIds.length, 2) : null,
      perActivity,
    },
    families: {
      distinct: { count: familyIds.length, familyIds, activityIds: sortedUnique(familyCheckIns.map((c) => c.activity_id)) },
      earnedPoints: {
        count: earningFamilies.length,
        familyIds: earningFamilies,
        activityIds: sortedUnique(awardEntries.filter((e) => e.holder_kind === 'family' && earningFamilySet.has(e.holder_id)).map((e) => e.activity_id ?? '')),
      },
      rows: familyIds.map((id) => {
        const f = familyById.get(id);
        return {
          familyId: id,
          name: f?.name ?? '',
          compound: f?.compound_id ?? '',
          activityIds: sortedUnique((familyCheckInsByFamily.get(id) ?? []).map((c) => c.activity_id)),
          pointsEarned: earnedBy('family', id),
          pointsRedeemed: spent(redemptionsByFamily.get(id) ?? []),
          pointsExpired: spent(expiriesByFamily.get(id) ?? []),
          balance: sum(familyEntriesByFamily.get(id) ?? []),
        };
      }),
    },
    points,
    volunteers: {
      distinct: { count: volunteerIds.length, volunteerIds, activityIds: sortedUnique(heldVolunteerCheckIns.map((c) => c.activity_id)) },
      hours: { total: round(hoursPerActivity.reduce((s, h) => s + h.hours, 0), 1), perActivity: hoursPerActivity },
      rows: volunteerIds.map((id) => {
        const attended = sortedUnique((heldVolunteerCheckInsByVolunteer.get(id) ?? []).map((c) => c.activity_id));
        let ms = 0;
        for (const activityId of attended) ms += serviceMsOf(activityId).get(id) ?? 0;
        return {
          volunteerId: id,
          name: volunteerNames.get(id) ?? '',
          activityIds: attended,
          hours: round(ms / HOUR_MS, 1),
          pointsEarned: earnedBy('volunteer', id),
        };
      }),
    },
    merchants: {
      engaged: {
        count: merchantIdsAll.length,
        merchantIds: merchantIdsAll,
        lentVenue: sortedUnique(venues.map((v) => v.merchantId)),
        sponsored: sortedUnique(sponsorships.map((s) => s.merchantId)),
        names: Object.fromEntries(merchantIdsAll.map((id) => [id, merchantNames.get(id) ?? ''])),
      },
      venuesLent: { count: venues.length, venues },
      venueHours: { total: round(venues.reduce((s, v) => s + v.hours, 0), 2), activityIds: merchantVenueIds },
    },
    sponsorship: {
      totalCny: sponsorships.reduce((s, x) => s + fen(x.amountCny), 0) / 100,
      count: sponsorships.length,
      sponsorshipIds: sponsorships.map((s) => s.id),
      byMerchant: [...byMerchant.values()]
        .sort((a, b) => byId(a.merchantId, b.merchantId))
        .map((m) => ({ merchantId: m.merchantId, amountCny: m.fen / 100, sponsorshipIds: m.sponsorshipIds })),
      rows: sponsorships.map((s) => ({
        sponsorshipId: s.id,
        merchantId: s.merchantId,
        merchantName: merchantNames.get(s.merchantId) ?? '',
        amountCny: s.amountCny,
        note: s.note,
        recordedAt: s.recordedAt,
        recordedBy: s.recordedBy,
      })),
    },
    approvals: {
      decided: count(decided),
      medianTurnaroundMs: median(turnarounds.map((t) => t.turnaroundMs)),
      slowest,
      escalated: count(activityIds.filter((id) => rowOf(id).approvalEscalated)),
    },
    feedback: {
      received: count(withFeedback),
      missing: count(heldIds.filter((id) => rowOf(id).feedback === 'missing')),
      averages: withFeedback.length
        ? { organisation: mean((r) => r.organisation), participation: mean((r) => r.participation), effect: mean((r) => r.effect) }
        : null,
    },
    coupons,
    milestones: {
      onTime: milestonesWith('onTime'),
      late: milestonesWith('late'),
      missed: milestonesWith('missed'),
      pending: milestonesWith('pending'),
      rows: milestoneRows,
    },
  };
}

/**
 * The report of a cycle as people should see it: the saved (final) one once the cycle has
 * closed, else one computed now (`final: false`).
 */
export async function loadCycleReport(db: Kysely<Database>, cycleId: string): Promise<{ final: boolean; report: CycleReport }> {
  const saved = await new Cycles(db).savedReport<CycleReport>(cycleId);
  if (saved) return { final: true, report: saved };
  return { final: false, report: await computeCycleReport(db, cycleId) };
}

// ---- tables (CSV and the dashboard) -----------------------------------------------------------

export const CYCLE_REPORT_TABLES = ['summary', 'activities', 'families', 'volunteers', 'merchants', 'sponsorships', 'milestones', 'coupons'] as const satisfies readonly CsvTableName[];
export type CycleReportTableName = (typeof CYCLE_REPORT_TABLES)[number];
export type ReportLocale = Locale;

function columnsOf(name: CycleReportTableName, locale: ReportLocale) {
  const headers: Record<string, string> = catalogFor(locale).csv.headers[name];
  return CSV_COLUMNS[name].map((key) => ({ key, header: headers[key] ?? key }));
}

/** A status cell in words: an activity's outcome is a vocabulary term; the other states are the catalog's. */
function statusWord(value: string, locale: ReportLocale): string {
  if ((ACTIVITY_OUTCOMES as readonly string[]).includes(value)) return label(ACTIVITY_OUTCOME_TERMS, value as ActivityOutcome, locale);
  const values: Record<string, string> = catalogFor(locale).csv.values;
  return values[value] ?? value;
}

const ids = (list: readonly string[]) => list.join(' ');

/** The summary figures, one line each, with the record ids behind each. */
function summaryRows(r: CycleReport, locale: ReportLocale): Record<string, Cell>[] {
  const figures = catalogFor(locale).csv.figures;
  const line = (key: CsvSummaryFigure, value: Cell, sources: readonly string[]) => ({
    figure: figures[key],
    key,
    value,
    sources: ids(sources),
  });
  return [
    line('activities.held', r.activities.held.count, r.activities.held.activityIds),
    line('activities.cancelled', r.activities.cancelled.count, r.activities.cancelled.activityIds),
    line('activities.rejected', r.activities.rejected.count, r.activities.rejected.activityIds),
    line('activities.unfinished', r.activities.unfinished.count, r.activities.unfinished.activityIds),
    line('participants.total', r.participants.total, r.activities.held.activityIds),
    line('participants.average', r.participants.average, r.activities.held.activityIds),
    line('families.distinct', r.families.distinct.count, r.families.distinct.familyIds),
    line('families.earnedPoints', r.families.earnedPoints.count, r.families.earnedPoints.familyIds),
    line('points.awarded.total', r.points.awarded.total, r.points.awarded.activityIds),
    line('points.awarded.toFamilies', r.points.awarded.toFamilies, r.points.awarded.activityIds),
    line('points.awarded.toVolunteers', r.points.awarded.toVolunteers, r.points.awarded.activityIds),
    line('points.redeemed', r.points.redeemed.points, r.points.redeemed.entryIds),
    line('points.expired', r.points.expired.points, r.points.expired.entryIds),
    line('points.outstanding', r.points.outstanding.points, r.points.outstanding.familyIds),
    line('volunteers.distinct', r.volunteers.distinct.count, r.volunteers.distinct.volunteerIds),
    line('volunteers.hours', r.volunteers.hours.total, r.volunteers.distinct.activityIds),
    line('merchants.engaged', r.merchants.engaged.count, r.merchants.engaged.merchantIds),
    line('merchants.venuesLent', r.merchants.venuesLent.count, r.merchants.venueHours.activityIds),
    line('merchants.venueHours', r.merchants.venueHours.total, r.merchants.venueHours.activityIds),
    line('sponsorship.totalCny', r.sponsorship.totalCny, r.sponsorship.sponsorshipIds),
    line('approvals.medianTurnaroundMs', hours(r.approvals.medianTurnaroundMs), r.approvals.decided.activityIds),
    line('approvals.slowest', hours(r.approvals.slowest?.turnaroundMs ?? null), r.approvals.slowest ? [r.approvals.slowest.activityId] : []),
    line('feedback.averages.organisation', r.feedback.averages?.organisation ?? null, r.feedback.received.activityIds),
    line('feedback.averages.participation', r.feedback.averages?.participation ?? null, r.feedback.received.activityIds),
    line('feedback.averages.effect', r.feedback.averages?.effect ?? null, r.feedback.received.activityIds),
    line('feedback.missing', r.feedback.missing.count, r.feedback.missing.activityIds),
    line('milestones.onTime', r.milestones.onTime.count, r.milestones.onTime.milestoneIds),
    line('milestones.late', r.milestones.late.count, r.milestones.late.milestoneIds),
    line('milestones.missed', r.milestones.missed.count, r.milestones.missed.milestoneIds),
    // Reports closed before these were counted have no figure: an empty cell, not a 0.
    line('points.outsideActivities.total', r.points.outsideActivities?.total ?? null, r.points.outsideActivities?.entryIds ?? []),
    line('points.outsideActivities.familyLearning', r.points.outsideActivities?.familyLearning ?? null, r.points.outsideActivities?.entryIds ?? []),
    line('points.outsideActivities.volunteering', r.points.outsideActivities?.volunteering ?? null, r.points.outsideActivities?.entryIds ?? []),
  ];
}

/** A time in the report's tables, written in the one date format of pages and emails (Beijing time). */
function when(iso: string | null | undefined, locale: ReportLocale): string {
  return iso ? formatDateTime(iso, locale) : '';
}

function hours(ms: number | null): number | null {
  return ms === null ? null : round(ms / HOUR_MS, 2);
}

/** One table of the report, for CSV (lib/csv.ts `toCsv`) or a page: headers and status cells in the locale's words. */
export function cycleReportTable(report: CycleReport, name: CycleReportTableName, locale: ReportLocale = 'zh-CN'): CsvTable {
  const columns = columnsOf(name, locale);
  switch (name) {
    case 'summary':
      return { columns, rows: summaryRows(report, locale) };
    case 'activities':
      return {
        columns,
        rows: report.activities.rows.map(({ ratings, ...a }) => ({
          ...a,
          startsAt: when(a.startsAt, locale),
          endsAt: when(a.endsAt, locale),
          outcome: statusWord(a.outcome, locale),
          feedback: statusWord(a.feedback, locale),
          venueSource: a.venueSource === undefined ? undefined : statusWord(a.venueSource, locale),
          approvalTurnaroundHours: hours(a.approvalTurnaroundMs ?? null),
          organisation: ratings?.organisation,
          participation: ratings?.participation,
          effect: ratings?.effect,
        })),
      };
    case 'families':
      return { columns, rows: report.families.rows.map(({ activityIds, ...f }) => ({ ...f, activities: ids(activityIds) })) };
    case 'volunteers':
      return { columns, rows: report.volunteers.rows.map(({ activityIds, ...v }) => ({ ...v, activities: ids(activityIds) })) };
    case 'merchants':
      return {
        columns,
        rows: report.merchants.engaged.merchantIds.map((merchantId) => {
          const lent = report.merchants.venuesLent.venues.filter((v) => v.merchantId === merchantId);
          const sponsored = report.sponsorship.byMerchant.find((s) => s.merchantId === merchantId);
          return {
            merchantId,
            name: report.merchants.engaged.names[merchantId] ?? '',
            venues: lent.map((v) => v.venueName).join('; '),
            venueHours: round(lent.reduce((s, v) => s + v.hours, 0), 2),
            venueActivities: ids(lent.flatMap((v) => v.activityIds)),
            sponsorshipCny: sponsored?.amountCny ?? 0,
            sponsorships: ids(sponsored?.sponsorshipIds ?? []),
          };
        }),
      };
    case 'sponsorships':
      return { columns, rows: report.sponsorship.rows.map((s) => ({ ...s, recordedAt: when(s.recordedAt, locale) })) };
    case 'coupons':
      // A report saved before coupons had a status has no such figures: an empty table.
      return {
        columns,
        rows: (report.coupons?.byMerchant ?? []).map((m) => ({
          merchantId: m.merchantId ?? '',
          name: m.merchantId === null ? catalogFor(locale).csv.values.education : m.name,
          used: m.used,
          coupons: ids(m.redemptionIds),
        })),
      };
    case 'milestones':
      return { columns, rows: report.milestones.rows.map((m) => ({ ...m, dueAt: when(m.dueAt, locale), doneAt: when(m.doneAt, locale), status: statusWord(m.status, locale) })) };
  }
}
