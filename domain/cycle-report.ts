/**
 * The shape of the incubation cycle report (孵化周期报告). `reports/cycle-report.ts` computes it
 * from the records and the cycle's close saves it; the dashboard and the CSV export read it. The
 * workflow passes only a reference to the saved report and its headline figures (`SavedCycleReport`).
 * Types and the headline's pick only: every figure's definition is documented where it is computed.
 */
import type { ActivityHeading } from './activity';

/** A count and the activity ids behind it. */
export interface ActivityCount {
  count: number;
  activityIds: string[];
}

/** One activity of the cycle: its heading (as its emails give it) and its figures. */
export interface ActivityReportRow extends ActivityHeading {
  outcome: 'completed' | 'rejected' | 'cancelled' | 'unfinished';
  /** For unfinished activities: the stage last recorded. */
  stage?: string;
  participants: number;
  families: number;
  volunteers: number;
  volunteerHours: number;
  /** Net points written to the ledger for this activity (families and volunteers). */
  pointsAwarded: number;
  venueSource?: 'community' | 'merchant' | 'coordinator';
  merchantId?: string;
  venueHours: number;
  approvalRounds?: number;
  approvalTurnaroundMs?: number;
  approvalEscalated: boolean;
  feedback: 'received' | 'missing' | 'notApplicable';
  ratings?: { organisation: number; participation: number; effect: number };
}

export interface FamilyReportRow {
  familyId: string;
  name: string;
  compound: string;
  /** The cycle's activities the family checked in at. */
  activityIds: string[];
  /** Net points awarded to the family by the cycle's activities. */
  pointsEarned: number;
  /** Points the family spent on rewards in the ledger window (net of refunds). */
  pointsRedeemed: number;
  pointsExpired: number;
  /** The family's balance at asOf. */
  balance: number;
}

export interface VolunteerReportRow {
  volunteerId: string;
  name: string;
  activityIds: string[];
  hours: number;
  pointsEarned: number;
}

/**
 * The ledger figures.
 * - awarded: SUM(amount) of `award` entries, and of `reversal` entries that take awards back,
 *   whose activity is one of the cycle's, split by holder kind; whenever they were written.
 * - redeemed: over the cycle's families and the window [periodStart, asOf): points spent on
 *   rewards (−SUM of `redemption` entries) less points refunded (positive `reversal` entries).
 * - expired: over the same families and window: −SUM of `expiry` entries.
 * - outstanding: the sum of the cycle's families' balances at asOf (SUM of every entry written
 *   before asOf, whatever the activity or cycle that earned it).
 */
export interface PointsFigures {
  window: { from: string; to: string };
  awarded: { total: number; toFamilies: number; toVolunteers: number; activityIds: string[]; entryIds: string[] };
  redeemed: { points: number; familyIds: string[]; entryIds: string[] };
  expired: { points: number; familyIds: string[]; entryIds: string[] };
  outstanding: { points: number; familyIds: string[] };
  /**
   * Points staff awarded outside activities (家庭学习 family learning, 志愿服务 volunteering outside
   * an activity: award entries with no activity whose rule is the path, less reversals of them)
   * to families of the cycle's compounds, written in [periodStart, min(periodEnd, asOf)).
   * Absent from reports closed before it was counted.
   */
  outsideActivities?: {
    total: number;
    familyLearning: number;
    volunteering: number;
    familyIds: string[];
    entryIds: string[];
  };
}

/** Used coupons (兑换教育资源或商户优惠券): the loop from points back to merchants. */
export interface CouponFigures {
  used: { count: number; redemptionIds: string[] };
  byMerchant: { merchantId: string | null; name: string; used: number; redemptionIds: string[] }[];
}

export interface MilestoneReportRow {
  milestoneId: string;
  name: string;
  dueAt: string;
  doneAt: string | null;
  doneBy: string | null;
  notes: string;
  status: 'onTime' | 'late' | 'missed' | 'pending';
  /** Positive: how late; negative: how early (done milestones only). */
  lateByMs: number | null;
}

export interface SponsorshipReportRow {
  sponsorshipId: string;
  merchantId: string;
  merchantName: string;
  amountCny: number;
  note: string;
  recordedAt: string;
  recordedBy: string;
}

export interface CycleReport {
  version: 1;
  cycleId: string;
  name: string;
  periodStart: string;
  periodEnd: string;
  compounds: string[];
  /** When the figures were taken. */
  asOf: string;
  activities: {
    held: ActivityCount;
    cancelled: ActivityCount;
    rejected: ActivityCount;
    unfinished: ActivityCount;
    rows: ActivityReportRow[];
  };
  participants: {
    total: number;
    /** Total ÷ held activities, 2 decimals; null when none was held. */
    average: number | null;
    perActivity: { activityId: string; participants: number }[];
  };
  families: {
    distinct: { count: number; familyIds: string[]; activityIds: string[] };
    earnedPoints: { count: number; familyIds: string[]; activityIds: string[] };
    rows: FamilyReportRow[];
  };
  points: PointsFigures;
  volunteers: {
    distinct: { count: number; volunteerIds: string[]; activityIds: string[] };
    hours: { total: number; perActivity: { activityId: string; hours: number }[] };
    rows: VolunteerReportRow[];
  };
  merchants: {
    engaged: { count: number; merchantIds: string[]; lentVenue: string[]; sponsored: string[]; names: Record<string, string> };
    venuesLent: { count: number; venues: { merchantId: string; venueName: string; hours: number; activityIds: string[] }[] };
    venueHours: { total: number; activityIds: string[] };
  };
  sponsorship: {
    totalCny: number;
    count: number;
    sponsorshipIds: string[];
    byMerchant: { merchantId: string; amountCny: number; sponsorshipIds: string[] }[];
    rows: SponsorshipReportRow[];
  };
  approvals: {
    decided: ActivityCount;
    medianTurnaroundMs: number | null;
    slowest: { activityId: string; turnaroundMs: number } | null;
    escalated: ActivityCount;
  };
  feedback: {
    received: ActivityCount;
    missing: ActivityCount;
    /** Mean of each rating (1–5) over the feedback received, 2 decimals; null when none was. */
    averages: { organisation: number; participation: number; effect: number } | null;
  };
  /**
   * Coupons used in the window [periodStart, asOf) by families of the cycle's compounds, per merchant
   * (education rewards, used at the counter, under merchantId null). Absent from reports saved
   * before coupons had a status.
   */
  coupons?: CouponFigures;
  milestones: {
    onTime: { count: number; milestoneIds: string[] };
    late: { count: number; milestoneIds: string[] };
    missed: { count: number; milestoneIds: string[] };
    pending: { count: number; milestoneIds: string[] };
    rows: MilestoneReportRow[];
  };
}

/** The figures a closed cycle quotes without its report (the "report is ready" email, the workflow's result). */
export interface CycleReportHeadline {
  held: number;
  cancelled: number;
  rejected: number;
  unfinished: number;
  participants: number;
  families: number;
  volunteers: number;
  sponsorshipCny: number;
}

/**
 * A saved cycle report by reference: what the cycle's workflow and its activities pass instead of
 * the report, which carries every record id and outgrows Temporal's payload limit (2 MB) at a few
 * thousand families. The report itself is the cycle's row in `cycle_reports` (one per cycle, so
 * the cycle id is the report's id).
 */
export interface SavedCycleReport {
  cycleId: string;
  asOf: string;
  headline: CycleReportHeadline;
}

export function cycleReportHeadline(report: CycleReport): CycleReportHeadline {
  return {
    held: report.activities.held.count,
    cancelled: report.activities.cancelled.count,
    rejected: report.activities.rejected.count,
    unfinished: report.activities.unfinished.count,
    participants: report.participants.total,
    families: report.families.distinct.count,
    volunteers: report.volunteers.distinct.count,
    sponsorshipCny: report.sponsorship.totalCny,
  };
}
