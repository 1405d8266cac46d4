/**
 * Typed repositories over the database: everything the API reads or writes goes through these
 * (and the db/services they carry), so no API module sees Kysely or SQL. Build once per process
 * with `createRepositories(db)`.
 */
import type { Kysely } from 'kysely';
import { CheckIns } from '../services/checkin';
import { Coupons, type CouponsOptions } from '../services/coupons';
import { Cycles } from '../services/cycles';
import { Directory } from '../services/directory';
import { Ledger, type LedgerOptions, type LedgerPolicy } from '../services/ledger';
import { Registrations } from '../services/registration';
import { Surveys } from '../services/surveys';
import { SqlActivityStore } from '../store';
import type { Database } from '../types';
import type { Clock } from '../util';
import { ActivityRepository } from './activities';
import { ApiTokenRepository } from './api-tokens';
import { AuditRepository } from './audit';
import { CycleRepository, type CycleReportLoader, type YearReportLoader } from './cycles';
import { FamilyHomeRepository } from './family-home';
import { HealthRepository } from './health';
import { PeopleRepository } from './people';
import { PointsRepository } from './points';
import { SessionRepository } from './sessions';
import { StaffRepository } from './staff';
import { SurveyRecordsRepository } from './survey-records';

export interface Repositories {
  activities: ActivityRepository;
  /** API bearer tokens issued to staff (only their hashes are stored). */
  apiTokens: ApiTokenRepository;
  audit: AuditRepository;
  cycleRecords: CycleRepository;
  health: HealthRepository;
  people: PeopleRepository;
  points: PointsRepository;
  sessions: SessionRepository;
  staff: StaffRepository;
  /** A family's own page, the rewards counter and the merchants' coupon page (db/repositories/family-home.ts). */
  familyHome: FamilyHomeRepository;
  // The services (domain rules over the same database).
  directory: Directory;
  cycles: Cycles;
  store: SqlActivityStore;
  registrations(options?: { now?: Clock }): Registrations;
  checkIns(options?: { now?: Clock }): CheckIns;
  ledger(options?: LedgerOptions): Ledger;
  /** The coupons redemptions issue: used, refunded, expired (db/services/coupons.ts). */
  coupons(options?: CouponsOptions): Coupons;
  /** Outcome evaluation's rounds, invitations and counted answers, read for the figures (reports/outcomes.ts). */
  surveyRecords: SurveyRecordsRepository;
  /** Outcome evaluation: questionnaires, survey rounds, invitations and answers (db/services/surveys.ts). */
  surveys(options?: { now?: Clock }): Surveys;
}

/** What the layers above hand in: the cycle report is computed in reports/, which reads this layer. */
export interface RepositoryDeps {
  loadCycleReport: CycleReportLoader;
  /** The year report (reports/year-report.ts); reportDeps(db) gives it. */
  loadYearReport?: YearReportLoader;
  /**
   * The ledger's earning cap and expiry (config.points.policy): the one policy every ledger writer
   * here uses (the activity store's awards and the Ledger's). Default: domain/points.ts's.
   */
  ledgerPolicy?: LedgerPolicy;
}

export function createRepositories(db: Kysely<Database>, deps: RepositoryDeps): Repositories {
  return {
    activities: new ActivityRepository(db),
    apiTokens: new ApiTokenRepository(db),
    audit: new AuditRepository(db),
    cycleRecords: new CycleRepository(db, deps.loadCycleReport, deps.loadYearReport),
    health: new HealthRepository(db),
    people: new PeopleRepository(db),
    points: new PointsRepository(db),
    sessions: new SessionRepository(db),
    staff: new StaffRepository(db),
    familyHome: new FamilyHomeRepository(db),
    directory: new Directory(db),
    cycles: new Cycles(db),
    store: new SqlActivityStore(db, deps.ledgerPolicy ? { ledgerPolicy: deps.ledgerPolicy } : {}),
    registrations: (options = {}) => new Registrations(db, options),
    checkIns: (options = {}) => new CheckIns(db, options),
    ledger: (options = {}) => new Ledger(db, { ...options, policy: { ...deps.ledgerPolicy, ...options.policy } }),
    coupons: (options = {}) => new Coupons(db, { ...options, policy: { ...deps.ledgerPolicy, ...options.policy } }),
    surveyRecords: new SurveyRecordsRepository(db),
    surveys: (options = {}) => new Surveys(db, options),
  };
}

export { ActivityRepository, ApiTokenRepository, AuditRepository, CycleRepository, HealthRepository, PeopleRepository, PointsRepository, SessionRepository, StaffRepository };
export type { CycleReportLoader, YearReportLoader } from './cycles';
export type { OutboxEntry, CheckInView, DeskCheckIn, OpenForCheckIn, PointsView, RosterFamily, RosterVolunteer } from './activities';
export { API_TOKEN_PREFIX } from './api-tokens';
export type { ApiTokenHolder, ApiTokenView, IssuedApiToken } from './api-tokens';
export type { ActionAuditTable, AuditDatabase, AuditEntry, AuditOutcome } from './audit';
export type { ContactRow, PeopleTable } from './people';
export type { LeaderboardRow } from './points';
export type { FamilyCard, FamilyRegistration, MerchantContact } from './family-home';
export type { ActiveSessionRow, NewSession, SpentSignInToken } from './sessions';
export type { StaffRow } from './staff';
export { SurveyRecordsRepository } from './survey-records';
export type { CountedAnswer, RoundRosterRow, SurveyRoundRecord } from './survey-records';
