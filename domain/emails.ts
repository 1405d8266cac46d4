/**
 * What each activity email says, as data: the workflow and the API decide it, mail/ renders it
 * (mail/templates.ts) with the words of the locale's catalog (i18n/).
 */
import type { ActivitySummaryForEmail } from './activity';

interface Base {
  recipientName: string;
  activity: ActivitySummaryForEmail;
}

/**
 * A family's card as an email shows it: its QR code (an inline image of `url`, domain/card.ts
 * `qrCardUrl`) and the short code printed under it (`cardCodeOf`).
 */
export interface EmailCard {
  url: string;
  code: string;
}

/** What the registration confirmation's calendar file (.ics) is built from, at send time. */
export interface EmailCalendar {
  /** Stable per (activity, family). */
  uid: string;
  /** The registration's time: the calendar entry's stamp, the same on a resend. */
  stampedAt: string;
  location: string;
}

/**
 * Emails with an `actionUrl` lead to a page where the person decides. Their optional
 * `linkExpiresAt` is the link's expiry (the step's deadline plus a grace, as in the token);
 * without it the email names the step's deadline as the time to act by.
 */
export type EmailMessage =
  | (Base & { purpose: 'venueRequest'; merchantVenueName: string; hours: number; answerBy: string; actionUrl: string; linkExpiresAt?: string })
  | (Base & { purpose: 'venueUnavailable'; merchantsAsked: string[]; dashboardUrl: string })
  | (Base & { purpose: 'approvalRequest'; round: number; decideBy: string; actionUrl: string; linkExpiresAt?: string; capacity: number; budget: number; description: string })
  | (Base & { purpose: 'approvalReminder'; round: number; decideBy: string; actionUrl: string; linkExpiresAt?: string })
  | (Base & { purpose: 'approvalEscalation'; round: number; gridWorkerName: string; waitingSince: string; actionUrl: string; linkExpiresAt?: string })
  | (Base & { purpose: 'planDecided'; round: number; decision: 'approve' | 'reject' | 'requestChanges'; comment: string; decidedBy: string })
  | (Base & { purpose: 'registrationOpen'; registerUrl: string; linkExpiresAt?: string })
  /** To a family, the activity adds its card and its own check-in link at send time. */
  | (Base & { purpose: 'reminder'; leadTimeMs: number; card?: EmailCard; checkInUrl?: string })
  | (Base & { purpose: 'changeNotice'; previousStartsAt: string; previousEndsAt: string; reason: string })
  | (Base & { purpose: 'cancellation'; reason: string })
  | (Base & { purpose: 'pointsAwarded'; earned: number; balance: number })
  | (Base & { purpose: 'feedbackRequest'; feedbackBy: string; actionUrl: string; linkExpiresAt?: string })
  | (Base & { purpose: 'feedbackReminder'; feedbackBy: string; actionUrl: string; linkExpiresAt?: string })
  | (Base & { purpose: 'waitlistPromoted' })
  /** The activity will not take place (its plan was rejected, or it was cancelled): the family's place or waitlist spot is given up. */
  | (Base & { purpose: 'registrationReleased'; outcome: 'rejected' | 'cancelled'; reason: string })
  /**
   * A family's place is confirmed: its card (inline QR and short code), its own check-in link, the
   * registration link (whose page offers cancel) and a calendar file.
   */
  | (Base & {
      purpose: 'registrationConfirmed';
      members: number;
      description: string;
      card: EmailCard;
      checkInUrl: string;
      /** When the check-in link stops working. */
      checkInExpiresAt: string;
      cancelUrl: string;
      calendar: EmailCalendar;
    });

/** The purposes of the activity emails (a subset of the vocabulary's email purposes). */
export type ActivityEmailPurpose = EmailMessage['purpose'];

// ---- the incubation cycle's emails (decided by the cycle workflow) ----

export interface CycleRef {
  cycleId: string;
  name: string;
  periodStart: string;
  periodEnd: string;
}

export interface MilestoneRef {
  id: string;
  name: string;
  dueAt: string;
}

/** What the workflow decides to say; the activity adds the recipient's name and the links. */
export type CycleEmailDraft =
  | { purpose: 'milestoneReminder'; cycle: CycleRef; milestone: MilestoneRef }
  | { purpose: 'milestoneEscalation'; cycle: CycleRef; milestone: MilestoneRef; supervisorName: string }
  | {
      purpose: 'cycleReportReady';
      cycle: CycleRef;
      held: number;
      cancelled: number;
      rejected: number;
      participants: number;
      families: number;
      sponsorshipCny: number;
    };

export type CycleEmailPurpose = CycleEmailDraft['purpose'];

export type CycleEmailMessage = CycleEmailDraft & {
  recipientName: string;
  /** The cycle's page on the dashboard. */
  cycleUrl: string;
  /** The report's page on the dashboard. */
  reportUrl: string;
};

// ---- the coordinators' daily digest (crosses Temporal: activity result → workflow → activity) ----

/** One themed activity as the digest lists it. Ids, titles and stages only: no personal data. */
export interface DigestItem {
  activityId: string;
  title: string;
  compound: string;
  /** The workflow's stage (`approval`, `reminders`, …). */
  stage: string;
  startsAt: string;
  /** Who must act next, and by when, when someone must. */
  pending?: { role: string; action: string; dueAt?: string };
  /** The activity's page on the dashboard. */
  url: string;
  /** A step that failed for good and waits (the workflow's status.attention). */
  attention?: { step: string; error: string };
  /** Its emails that did not go out: still retrying, or refused for good. */
  undelivered?: { retrying: number; refused: number };
}

/** What the digest of one day says; gathered once, the same for every coordinator. */
export interface DigestReport {
  /** `YYYY-MM-DD` in `timeZone`. */
  day: string;
  /** IANA zone the digest's times are shown in. */
  timeZone: string;
  /** The instant the figures were taken (ISO-8601). */
  asOf: string;
  pendingApprovals: DigestItem[];
  overdue: DigestItem[];
  upcoming: DigestItem[];
  /** How many days ahead `upcoming` looks. */
  upcomingDays: number;
  /** More activities were running than the digest looked at. */
  truncated: boolean;
  /** Activities with a step that failed for good (absent from digests gathered before this list). */
  needsAttention?: DigestItem[];
  /** Activities with emails still retrying or refused, with the counts. */
  undelivered?: DigestItem[];
  dashboardUrl: string;
}

export interface DigestMessage {
  recipientName: string;
  report: DigestReport;
}

// ---- growth points outside an activity's emails (the daily expiry run) ----

/**
 * The month-ahead notice (积分到期提醒): a family's points that will expire at `expiresAt`
 * (the exclusive instant, a local midnight), one email per family and expiry date.
 */
export interface PointsExpiringMessage {
  recipientName: string;
  /** ISO instant from which the points are gone (the end of the last day they can be used). */
  expiresAt: string;
  /** What will expire then (the unspent remainder of the earnings that expire then). */
  points: number;
  /** The family's balance when the notice was written. */
  balance: number;
  /** The family's own page (`/f/<token>`), signed at send time. */
  familyPageUrl?: string;
}
// ---- spending points (the counter and the merchants' coupon page; sent by the API through the outbox) ----

/** A family got a coupon at the counter: its code, the reward, until when it is valid, and the family's page. */
export interface CouponIssuedMessage {
  purpose: 'couponIssued';
  recipientName: string;
  rewardName: string;
  /** The merchant whose coupon it is; absent for an education reward (collected at the community counter). */
  merchantName?: string;
  couponCode: string;
  points: number;
  balance: number;
  expiresAt: string;
  /** The family's own page (`/f/<token>`): balance, history, coupons. */
  familyPageUrl: string;
  /** When that link stops working (the email says so). */
  familyPageExpiresAt: string;
}

/** A merchant's link to its coupon page (`/m/<token>`), sent by staff. */
export interface MerchantCouponLinkMessage {
  purpose: 'merchantCouponLink';
  recipientName: string;
  url: string;
  linkExpiresAt: string;
}

export type CouponEmailMessage = CouponIssuedMessage | MerchantCouponLinkMessage;

// ---- outcome evaluation (issue 12; sent by the survey sweeper through the outbox) ----

/**
 * A family asked to answer a questionnaire (after an activity, or a cycle's baseline or end), or
 * reminded once: its own signed link, until when answers are taken, and when the link ends.
 */
export interface SurveyEmailMessage {
  purpose: 'surveyInvitation' | 'surveyReminder';
  recipientName: string;
  /** The questionnaire's title in the family's language. */
  title: string;
  /** What the round is about: the activity's title, or the cycle's name. */
  about: string;
  kind: 'activity' | 'baseline' | 'end';
  /** The family's own answer page (`/survey/<token>`). */
  url: string;
  /** Answers are taken until then. */
  closesAt: string;
  /** The link still opens the page (to see or withdraw the answers) until then. */
  linkExpiresAt: string;
}
