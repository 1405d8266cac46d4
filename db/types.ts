/**
 * The database's tables as Kysely sees them. Column names are snake_case; every id is text; every
 * instant is an ISO-8601 UTC string (`Date.prototype.toISOString()`, so text order is time order);
 * points and counts are integers.
 */
import type { ColumnType, Insertable, Selectable } from 'kysely';

export type LocaleText = 'zh-CN' | 'en';
export type StaffRoleText = 'propertyManager' | 'gridWorker' | 'coordinator' | 'supervisor';
export type AttendanceState = 'notOpen' | 'open' | 'closed';
export type RegistrationStatus = 'registered' | 'waitlisted' | 'cancelled';
export type PersonKind = 'family' | 'volunteer';
export type CheckInMethod = 'qr' | 'link' | 'staff';
export type OutboxStatus = 'pending' | 'sent';
export type HolderKind = 'family' | 'volunteer';
export type PointsEntryKind = 'award' | 'redemption' | 'reversal' | 'expiry';
export type RewardKind = 'education' | 'merchantCoupon';
/** Optional on insert: a new directory record is active. */
export type DeactivatedAt = ColumnType<string | null, string | null | undefined, string | null>;

export interface CompoundsTable {
  id: string;
  name: string;
  /** When the record was deactivated (migration 008); NULL while active. */
  deactivated_at: DeactivatedAt;
}

export interface FamiliesTable {
  id: string;
  compound_id: string;
  name: string;
  email: string;
  locale: LocaleText;
  members: number;
  qr_token: string;
  /** When the record was deactivated (migration 008); NULL while active. */
  deactivated_at: DeactivatedAt;
}

export interface StaffTable {
  id: string;
  role: StaffRoleText;
  name: string;
  email: string;
  locale: LocaleText;
  compound_id: string | null;
  /** When the record was deactivated (migration 008); NULL while active. */
  deactivated_at: DeactivatedAt;
}

export interface VolunteersTable {
  id: string;
  name: string;
  email: string;
  locale: LocaleText;
  compound_id: string | null;
  qr_token: string;
  /** When the record was deactivated (migration 008); NULL while active. */
  deactivated_at: DeactivatedAt;
}

export interface MerchantsTable {
  id: string;
  name: string;
  email: string;
  locale: LocaleText;
  /** When the record was deactivated (migration 008); NULL while active. */
  deactivated_at: DeactivatedAt;
}

export interface VenuesTable {
  id: string;
  merchant_id: string | null;
  name: string;
  capacity: number | null;
  /** When the record was deactivated (migration 008); NULL while active. */
  deactivated_at: DeactivatedAt;
}

export interface ActivitiesTable {
  id: string;
  cycle_id: string;
  compound_id: string;
  title: string;
  starts_at: string;
  ends_at: string;
  capacity: number;
  stage: string;
  attendance_state: AttendanceState;
  attendance_opens_at: string | null;
  attendance_closes_at: string | null;
  /** When the tally was taken: the earlier of the window's close and the moment it was closed. */
  attendance_closed_at: string | null;
  tally_json: string | null;
  updated_at: string;
  /** Migration 014: a step that failed for good and waits (JSON of NeedsAttention); NULL otherwise. */
  attention_json: ColumnType<string | null, string | null | undefined, string | null>;
  /** Migration 017, the read model: the workflow's status as JSON (ActivityStatus), NULL until written. */
  status_json: ColumnType<string | null, string | null | undefined, string | null>;
  /** The workflow's write counter: an older write than this is ignored. */
  status_seq: ColumnType<number | null, number | null | undefined, number | null>;
  pending_role: ColumnType<string | null, string | null | undefined, string | null>;
  pending_actor_id: ColumnType<string | null, string | null | undefined, string | null>;
  pending_action: ColumnType<string | null, string | null | undefined, string | null>;
  pending_due_at: ColumnType<string | null, string | null | undefined, string | null>;
  /** When the current stage began. */
  stage_since: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RegistrationsTable {
  activity_id: string;
  family_id: string;
  members: number;
  status: RegistrationStatus;
  created_at: string;
  updated_at: string;
  /** Order of arrival within the activity; the waitlist is served in this order. */
  seq: number;
}

export interface VolunteerSignupsTable {
  activity_id: string;
  volunteer_id: string;
  created_at: string;
}

export interface CheckInsTable {
  id: string;
  activity_id: string;
  person_kind: PersonKind;
  person_id: string;
  members: number;
  method: CheckInMethod;
  nonce: string | null;
  checked_in_at: string;
  checked_out_at: string | null;
  /** The staff member who checked the person in at the desk (migration 012); NULL for a family's own link. */
  checked_in_by: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface EmailOutboxTable {
  key: string;
  activity_id: string;
  purpose: string;
  recipient_key: string;
  status: OutboxStatus;
  message_id: string | null;
  created_at: string;
  sent_at: string | null;
  /** The fan-out attempt holding the row (`claimEmails`); null for single claims and released rows. */
  claimed_by: string | null;
  /** ISO instant the holder's claim lapses; null when none holds it. */
  lease_until: string | null;
  /** Migration 013: null until a send fails; `retrying` (tried again at next_attempt_at) or `refused` (for good). */
  delivery: EmailDelivery | null;
  /** Sends that failed so far. */
  attempts: ColumnType<number, number | undefined, number>;
  /** The relay's reason for the last failure (addresses redacted). */
  last_error: string | null;
  next_attempt_at: string | null;
  /** The rendered message (JSON) a retry sends again, with the same Message-ID. */
  retry_email: string | null;
}

export type EmailDelivery = 'retrying' | 'refused';

/** The growth-points ledger. Append only: rows are inserted, never updated or deleted. */
export interface PointsEntriesTable {
  id: string;
  holder_kind: HolderKind;
  holder_id: string;
  kind: PointsEntryKind;
  amount: number;
  activity_id: string | null;
  rule: string | null;
  idempotency_key: string;
  reverses_entry_id: string | null;
  /** When the points were earned (awards); expiry and earning caps are reckoned from it. */
  earned_at: string;
  /** Awards: when these points expire. Expiry entries: the expiry date they enforce. */
  expires_at: string | null;
  created_at: string;
  note: string;
}

export interface RewardsTable {
  id: string;
  name: string;
  kind: RewardKind;
  merchant_id: string | null;
  price: number;
  stock: number;
}

export interface RedemptionsTable {
  id: string;
  reward_id: string;
  family_id: string;
  coupon_code: string;
  points: number;
  idempotency_key: string;
  /** The ledger entry (kind 'redemption') that paid for it. */
  entry_id: string;
  created_at: string;
  /** When the coupon stops being valid (migration 010); null on older rows (db/services/coupons.ts). */
  coupon_expires_at: string | null;
}

/** What ended a coupon: used (by its merchant, or staff for an education reward) or refunded (migration 010). Append only. */
export interface CouponEventsTable {
  id: string;
  redemption_id: string;
  kind: 'used' | 'refunded';
  at: string;
  merchant_id: string | null;
  staff_id: string | null;
  /** The `reversal` entry that gave the points back (refunds only). */
  refund_entry_id: string | null;
  note: string;
}

export interface Database {
  compounds: CompoundsTable;
  families: FamiliesTable;
  staff: StaffTable;
  volunteers: VolunteersTable;
  merchants: MerchantsTable;
  venues: VenuesTable;
  activities: ActivitiesTable;
  registrations: RegistrationsTable;
  volunteer_signups: VolunteerSignupsTable;
  check_ins: CheckInsTable;
  email_outbox: EmailOutboxTable;
  points_entries: PointsEntriesTable;
  rewards: RewardsTable;
  redemptions: RedemptionsTable;
  coupon_events: CouponEventsTable;
  activity_summaries: ActivitySummariesTable;
}

/** A finished activity's summary (JSON of the workflow's ActivitySummary), per cycle. */
export interface ActivitySummariesTable {
  activity_id: string;
  cycle_id: string;
  compound_id: string;
  outcome: 'completed' | 'rejected' | 'cancelled';
  starts_at: string;
  summary_json: string;
  recorded_at: string;
}

export type FamilyRow = Selectable<FamiliesTable>;
export type ActivityRow = Selectable<ActivitiesTable>;
export type CheckInRow = Selectable<CheckInsTable>;
export type PointsEntryRow = Selectable<PointsEntriesTable>;
export type NewPointsEntry = Insertable<PointsEntriesTable>;

/** A signed-in dashboard browser (api/http/session.ts). The cookie holds a random id; only its SHA-256 is stored. */
export interface SessionsTable {
  id_hash: string;
  staff_id: string;
  role: StaffRoleText;
  compound_id: string | null;
  created_at: string;
  expires_at: string;
}

/** Sign-in links already used, by the SHA-256 of the token (api/sign-in/routes.ts): each link works once. */
export interface UsedSignInTokensTable {
  token_hash: string;
  staff_id: string;
  used_at: string;
  expires_at: string;
}

// Declaration merging: the staff sign-in tables join the Database interface above.
export interface Database {
  sessions: SessionsTable;
  used_sign_in_tokens: UsedSignInTokensTable;
}

/**
 * An API bearer token issued to a member of staff (db/repositories/api-tokens.ts): only the
 * SHA-256 of the token is stored; a revoked one is kept with who revoked it and when.
 */
export interface ApiTokensTable {
  id: string;
  staff_id: string;
  /** SHA-256 of the token, hex. */
  token_hash: string;
  label: string;
  created_at: string;
  /** Staff id of the coordinator who issued it. */
  created_by: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** Staff id of the coordinator who revoked it. */
  revoked_by: string | null;
}

// Declaration merging: the API tokens join the Database interface above.
export interface Database {
  api_tokens: ApiTokensTable;
}

/** An incubation cycle (孵化周期), as started through the API (db/services/cycles.ts). */
export interface CyclesTable {
  id: string;
  name: string;
  period_start: string;
  period_end: string;
  /** JSON array of compound ids. */
  compounds_json: string;
  coordinator_id: string;
  supervisor_id: string;
  created_at: string;
  /** Set when the cycle's report is saved. */
  closed_at: string | null;
  /** The participant survey sent after each of the cycle's activities (null: none). */
  survey_questionnaire_id: string | null;
  /** The baseline questionnaire sent to the cycle's families at its start and again at its end (null: none). */
  baseline_questionnaire_id: string | null;
}

/** A milestone of a cycle's incubation and supervision plan; done_* are set once, when it is recorded. */
export interface CycleMilestonesTable {
  cycle_id: string;
  milestone_id: string;
  name: string;
  due_at: string;
  done_at: string | null;
  done_by_id: string | null;
  done_by_name: string | null;
  done_by_role: string | null;
  notes: string;
}

/** A merchant's sponsorship of a cycle. `amount_cny` is numeric (yuan, 2 decimals): PostgreSQL returns it as a string. */
export interface SponsorshipsTable {
  id: string;
  cycle_id: string;
  merchant_id: string;
  amount_cny: number | string;
  note: string;
  recorded_at: string;
  /** Staff id. */
  recorded_by: string;
}

/** A cycle's final report (JSON of reports/cycle-report.ts CycleReport), saved once at the close. */
export interface CycleReportsTable {
  cycle_id: string;
  as_of: string;
  report_json: string;
  saved_at: string;
}

// Declaration merging: the incubation-cycle tables join the Database interface above.
export interface Database {
  cycles: CyclesTable;
  cycle_milestones: CycleMilestonesTable;
  sponsorships: SponsorshipsTable;
  cycle_reports: CycleReportsTable;
}

/** A questionnaire (outcome evaluation): its name for staff; its wording lives in its versions. */
export interface QuestionnairesTable {
  id: string;
  name: string;
  created_at: string;
  /** Staff id. */
  created_by: string;
}

/** One version of a questionnaire, append-only: `definition_json` is domain/questionnaire.ts's shape. */
export interface QuestionnaireVersionsTable {
  id: string;
  questionnaire_id: string;
  version: number;
  definition_json: string;
  created_at: string;
  created_by: string;
}

export type { SurveyRoundKind } from '../domain/vocabulary';
import type { SurveyRoundKind } from '../domain/vocabulary';

/** One sending of a questionnaire: after an activity, or a cycle's baseline or end. */
export interface SurveyRoundsTable {
  id: string;
  kind: SurveyRoundKind;
  cycle_id: string | null;
  activity_id: string | null;
  questionnaire_version_id: string;
  opens_at: string;
  remind_at: string | null;
  closes_at: string;
  /** Set once the invitations are written and emailed. */
  opened_at: string | null;
  /** Set once the reminder went to those who had not answered. */
  reminded_at: string | null;
  created_at: string;
}

/** A family asked to answer a round: at most one per family per round. */
export interface SurveyInvitationsTable {
  id: string;
  round_id: string;
  family_id: string;
  invited_at: string;
  reminded_at: string | null;
}

/** A family's answer to its invitation, kept apart from the directory; `answers_json` null once withdrawn. */
export interface SurveyResponsesTable {
  invitation_id: string;
  round_id: string;
  consented_at: string;
  submitted_at: string;
  answers_json: string | null;
  withdrawn_at: string | null;
}

// Declaration merging: the outcome-evaluation tables join the Database interface above.
export interface Database {
  questionnaires: QuestionnairesTable;
  questionnaire_versions: QuestionnaireVersionsTable;
  survey_rounds: SurveyRoundsTable;
  survey_invitations: SurveyInvitationsTable;
  survey_responses: SurveyResponsesTable;
}

// Declaration merging: migration 016 gives volunteers a profession (professional volunteers).
export interface VolunteersTable {
  /** The volunteer's profession (专业志愿者), NULL for one without (migration 016). */
  profession: ColumnType<string | null, string | null | undefined, string | null>;
}
