/**
 * What activities need from the outside world. Real implementations: `db/` (SQLite or PostgreSQL
 * through Kysely) for the store and `mail/` (nodemailer over SMTP) for the mailer. The worker
 * builds them from config; tests build their own against real servers.
 */
import type { PointsRules } from '../domain/schemas';
import type { Recipient } from '../domain/people';
import type { OutboxStore } from '../mail/outbox';

export type { BatchClaim, ClaimHolder, DueRetry, EmailClaim, EmailToClaim } from '../mail/outbox';
export type { OutgoingEmail } from '../mail/mailer';
import type { ActivityRecord, ActivitySummary, AttendanceTally, AttendanceWindow } from '../domain/activity';

export interface PointsAwardResult {
  /** Total points written for this activity (on the first run; the same figure on a repeat). */
  pointsAwarded: number;
  familiesAwarded: number;
  volunteersAwarded: number;
  /** Each family's balance after the award, for the "you earned points" email. */
  balances: { recipient: Recipient; earned: number; balance: number }[];
}

/** The store the workflow's activities use, the outbox's two calls among them. Every write is idempotent. */
export interface ActivityStore extends OutboxStore {
  /** Records a new activity (or refreshes its row) so registration and check-in can find it. */
  upsertActivity(activity: ActivityRecord): Promise<void>;

  /** Families registered (not waitlisted) and volunteers signed up for the activity. */
  listRegistrants(activityId: string): Promise<Recipient[]>;
  /** Families holding a place or a waitlist spot, in arrival order (those an ended activity releases). */
  listHeldPlaces(activityId: string): Promise<Recipient[]>;
  /** Gives up a family's place or waitlist spot (status cancelled); false when it held none. */
  releasePlace(activityId: string, familyId: string): Promise<boolean>;
  /**
   * The directory's current name, address and locale for each key found (`staff:…`, `merchant:…`,
   * `family:…`, `volunteer:…`): who an email goes to is read when it is sent, never frozen in a
   * workflow's input.
   */
  recipientsByKey(keys: readonly string[]): Promise<Map<string, Recipient>>;
  /** Families living in a compound, told when registration opens. */
  listCompoundFamilies(compound: string): Promise<Recipient[]>;
  /** Each family's card token (the QR code's), by family id, for those of `familyIds` on record. */
  familyCardTokens(familyIds: readonly string[]): Promise<Map<string, string>>;

  /** Marks check-in open; idempotent. */
  openAttendance(activityId: string, window: AttendanceWindow): Promise<void>;
  /** Marks check-in closed and returns the tally; a repeat returns the same tally. */
  closeAttendance(activityId: string): Promise<AttendanceTally>;

  /**
   * Writes the activity's points to the ledger in one transaction, one entry per
   * (activity, person, rule) enforced unique by the database: a repeat writes nothing new.
   */
  awardActivityPoints(activityId: string, rules: PointsRules): Promise<PointsAwardResult>;

  /** Keeps a finished activity's summary for its incubation cycle's report; a repeat overwrites with the same. */
  saveActivitySummary(summary: ActivitySummary): Promise<void>;

  /**
   * Outcome evaluation: the activity's participant-survey round (db/services/surveys.ts), the
   * latest version of its cycle's survey questionnaire; none when the cycle has none. A repeat
   * returns the same round.
   */
  ensureSurveyRound(req: ParticipantSurveyRequest): Promise<{ roundId: string | null }>;
}

/** What the themed-activity workflow hands over when its feedback stage opens: ids and times only. */
export interface ParticipantSurveyRequest {
  activityId: string;
  /** The supervisor's reminder time: the survey's one reminder goes then. */
  remindAt: string;
  /** The supervisor's deadline: the survey closes then. */
  closesAt: string;
}
