/**
 * The ActivityStore the workflow's activities use, over Kysely (SQLite or PostgreSQL).
 * Every method is idempotent: a retried activity writes nothing new and answers the same.
 */
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Recipient } from '../domain/people';
import type { ActivityStore, ParticipantSurveyRequest, BatchClaim, ClaimHolder, DueRetry, EmailClaim, EmailToClaim, OutgoingEmail, PointsAwardResult } from '../activities/ports';
import type { ActivityRecord, ActivityStatus, ActivitySummary, AttendanceTally, AttendanceWindow } from '../domain/activity';
import { PointsRules } from '../domain/schemas';
import { lockActivityRow, withTransaction } from './database';
import {
  ACTIVITY_POINT_RULES,
  familyAwards,
  tallyOf as tallyOfFacts,
  volunteerHoursPoints,
  volunteerServiceMs as serviceMsOf,
  type ActivityPointRule,
  type CheckInFacts,
} from '../domain/points';
import { type Holder, type LedgerPolicy, balanceOf, defaultLedgerPolicy, insertAward, lockHolder } from './services/ledger';
import { parseInput } from './services/validation';
import { Surveys } from './services/surveys';
import type { ActivityRow, CheckInRow, Database, LocaleText } from './types';
import { type Clock, StoreLogicError, num, systemClock, toIso } from './util';

export interface SqlActivityStoreOptions {
  /** Earning cap and expiry for awarded points (defaults: no cap, expiry at the end of the following year, UTC+8). */
  ledgerPolicy?: Partial<LedgerPolicy>;
  now?: Clock;
}

export { ACTIVITY_POINT_RULES };

export function activityAwardKey(activityId: string, holder: Holder, rule: ActivityPointRule): string {
  return `award:${activityId}:${holder.kind}:${holder.id}:${rule}`;
}

/** A check-in row as the pure tally (domain/points.ts) takes it. */
export function checkInFacts(row: CheckInRow): CheckInFacts {
  return {
    personKind: row.person_kind,
    personId: row.person_id,
    members: num(row.members),
    checkedInAt: row.checked_in_at,
    checkedOutAt: row.checked_out_at,
  };
}

/** How long each checked-in volunteer served (domain/points.ts `volunteerServiceMs` over check-in rows). */
export function volunteerServiceMs(checkIns: readonly CheckInRow[], closedAt: string): Map<string, number> {
  return serviceMsOf(checkIns.map(checkInFacts), closedAt);
}

/** The attendance tally (domain/points.ts `tallyOf` over check-in rows). */
export function tallyOf(checkIns: readonly CheckInRow[], closedAt: string): AttendanceTally {
  return tallyOfFacts(checkIns.map(checkInFacts), closedAt);
}

function recipientOf(kind: 'family' | 'volunteer', row: { id: string; name: string; email: string; locale: LocaleText }): Recipient {
  return { key: `${kind}:${row.id}`, name: row.name, email: row.email, locale: row.locale };
}

/** Where each kind of recipient key (`staff:…`, `merchant:…`, …) is in the directory. */
const RECIPIENT_TABLES = { staff: 'staff', merchant: 'merchants', family: 'families', volunteer: 'volunteers' } as const;
type RecipientKind = keyof typeof RECIPIENT_TABLES;

/** The workflow writes the activity's row (upsertActivity) before anything else touches it. */
function activityNotRecorded(activityId: string): Error {
  return new StoreLogicError(`activity ${activityId} is not recorded (upsertActivity first)`);
}

/** The columns of the read model (migration 017) for one status. */
export function readModelColumns(status: ActivityStatus) {
  const pending = status.pending;
  return {
    status_json: JSON.stringify(status),
    pending_role: pending?.role ?? null,
    pending_actor_id: pending?.actorId ?? null,
    pending_action: pending?.action ?? null,
    pending_due_at: pending?.dueAt ? toIso(pending.dueAt) : null,
    stage_since: status.stages[status.stages.length - 1]?.startedAt ?? null,
  };
}

/**
 * Writes the workflow's status to its row unless a newer write (a higher `seq`) landed first: the
 * workflow's writes are separate activities, so two may finish in either order.
 */
export async function writeReadModel(db: Kysely<Database>, activityId: string, status: ActivityStatus, seq: number): Promise<void> {
  await db
    .updateTable('activities')
    .set({ ...readModelColumns(status), status_seq: seq })
    .where('id', '=', activityId)
    .where((eb) => eb.or([eb('status_seq', 'is', null), eb('status_seq', '<', seq)]))
    .execute();
}

export class SqlActivityStore implements ActivityStore {
  /** The ledger policy its awards are written under (config.points.policy through createRepositories). */
  readonly policy: LedgerPolicy;
  private readonly now: Clock;

  constructor(
    private readonly db: Kysely<Database>,
    options: SqlActivityStoreOptions = {},
  ) {
    this.policy = { ...defaultLedgerPolicy, ...options.ledgerPolicy };
    this.now = options.now ?? systemClock;
  }

  private nowIso(): string {
    return this.now().toISOString();
  }

  private async activityForUpdate(trx: Kysely<Database>, activityId: string): Promise<ActivityRow> {
    const row = await lockActivityRow(trx, activityId);
    if (!row) throw activityNotRecorded(activityId);
    return row;
  }

  async upsertActivity(activity: ActivityRecord): Promise<void> {
    const fields = {
      cycle_id: activity.cycleId,
      compound_id: activity.compound,
      title: activity.title,
      starts_at: toIso(activity.startsAt),
      ends_at: toIso(activity.endsAt),
      capacity: activity.capacity,
      stage: activity.stage,
      updated_at: this.nowIso(),
      // The window as planned, so the door opens by it without the workflow (checkInWindowOpen).
      ...(activity.attendanceWindow
        ? { attendance_opens_at: toIso(activity.attendanceWindow.opensAt), attendance_closes_at: toIso(activity.attendanceWindow.closesAt) }
        : {}),
      // A stuck step, or null once it went through (absent from workflows that predate it).
      ...(activity.attention !== undefined ? { attention_json: activity.attention ? JSON.stringify(activity.attention) : null } : {}),
    };
    await this.db
      .insertInto('activities')
      .values({ id: activity.activityId, ...fields, attendance_state: 'notOpen' })
      .onConflict((oc) => oc.column('id').doUpdateSet(fields))
      .execute();
    if (activity.status) await writeReadModel(this.db, activity.activityId, activity.status, activity.statusSeq ?? 0);
  }

  async claimEmail(key: string, meta: { activityId: string; purpose: string; recipientKey: string }, holder: ClaimHolder): Promise<EmailClaim> {
    // A batch of one: the same single statement, so two senders never race on one email.
    const claim = await this.claimEmails([{ key, ...meta }], holder);
    return { outcome: claim.claimed.length ? 'send' : claim.sent.length ? 'alreadySent' : 'held' };
  }

  async parkEmail(key: string, owner: string, email: OutgoingEmail): Promise<void> {
    await this.db
      .updateTable('email_outbox')
      .set({ retry_email: serializeEmail(email) })
      .where('key', '=', key)
      .where('claimed_by', '=', owner)
      .where('status', '=', 'pending')
      .execute();
  }

  async claimEmails(emails: readonly EmailToClaim[], holder: ClaimHolder): Promise<BatchClaim> {
    if (emails.length === 0) return { claimed: [], sent: [], held: [] };
    const now = this.nowIso();
    // One statement per batch: insert the new rows, take over the unheld, own or lapsed ones; a
    // row another live attempt holds, or a sent one, is left as it is and not returned.
    const taken = await this.db
      .insertInto('email_outbox')
      .values(
        emails.map((e) => ({
          key: e.key,
          activity_id: e.activityId,
          purpose: e.purpose,
          recipient_key: e.recipientKey,
          status: 'pending' as const,
          message_id: null,
          created_at: now,
          sent_at: null,
          claimed_by: holder.owner,
          lease_until: holder.leaseUntil,
        })),
      )
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ claimed_by: (eb) => eb.ref('excluded.claimed_by'), lease_until: (eb) => eb.ref('excluded.lease_until') })
          .where('email_outbox.status', '=', 'pending')
          .where((eb) =>
            eb.or([
              eb('email_outbox.claimed_by', 'is', null),
              eb('email_outbox.claimed_by', '=', holder.owner),
              eb('email_outbox.lease_until', '<=', now),
            ]),
          ),
      )
      .returning('key')
      .execute();
    const claimed = new Set(taken.map((r) => r.key));
    const others = emails.map((e) => e.key).filter((k) => !claimed.has(k));
    const rest = others.length
      ? await this.db.selectFrom('email_outbox').select(['key', 'status', 'claimed_by', 'lease_until']).where('key', 'in', others).execute()
      : [];
    return {
      claimed: emails.map((e) => e.key).filter((k) => claimed.has(k)),
      sent: rest.filter((r) => r.status === 'sent').map((r) => ({ key: r.key, owner: r.claimed_by })),
      held: rest.filter((r) => r.status !== 'sent').map((r) => ({ key: r.key, leaseUntil: r.lease_until ?? now })),
    };
  }

  async releaseEmails(owner: string): Promise<void> {
    await this.db
      .updateTable('email_outbox')
      .set({ claimed_by: null, lease_until: null })
      .where('claimed_by', '=', owner)
      .where('status', '=', 'pending')
      .execute();
  }

  async markEmailSent(key: string, messageId: string): Promise<void> {
    const result = await this.db
      .updateTable('email_outbox')
      .set({ status: 'sent', message_id: messageId, sent_at: this.nowIso(), delivery: null, next_attempt_at: null, retry_email: null })
      .where('key', '=', key)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) return;
    const row = await this.db.selectFrom('email_outbox').select('status').where('key', '=', key).executeTakeFirst();
    if (!row) throw new StoreLogicError(`email ${key} was never claimed (claimEmail first)`);
  }

  async markEmailRetrying(key: string, failure: { error: string; nextAttemptAt: string; email: OutgoingEmail }): Promise<void> {
    await this.db
      .updateTable('email_outbox')
      .set((eb) => ({
        delivery: 'retrying',
        attempts: eb('attempts', '+', 1),
        last_error: failure.error.slice(0, 500),
        next_attempt_at: failure.nextAttemptAt,
        retry_email: serializeEmail(failure.email),
        claimed_by: null,
        lease_until: null,
      }))
      .where('key', '=', key)
      .where('status', '=', 'pending')
      .execute();
  }

  async markEmailRefused(key: string, error: string): Promise<void> {
    await this.db
      .updateTable('email_outbox')
      .set((eb) => ({ delivery: 'refused', attempts: eb('attempts', '+', 1), last_error: error.slice(0, 500), next_attempt_at: null, retry_email: null, claimed_by: null, lease_until: null }))
      .where('key', '=', key)
      .where('status', '=', 'pending')
      .execute();
  }

  async claimDueRetries(holder: ClaimHolder, now: string, limit: number): Promise<DueRetry[]> {
    // Pick, then take with the same conditions: a row another retrier took in between is not returned.
    const due = await this.db
      .selectFrom('email_outbox')
      .select('key')
      .where('status', '=', 'pending')
      .where(dueForRetry(now))
      .where((eb) => eb.or([eb('claimed_by', 'is', null), eb('lease_until', '<=', now)]))
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    if (due.length === 0) return [];
    const taken = await this.db
      .updateTable('email_outbox')
      .set({ claimed_by: holder.owner, lease_until: holder.leaseUntil })
      .where('key', 'in', due.map((d) => d.key))
      .where('status', '=', 'pending')
      .where(dueForRetry(now))
      .where((eb) => eb.or([eb('claimed_by', 'is', null), eb('lease_until', '<=', now)]))
      .returning(['key', 'attempts', 'retry_email'])
      .execute();
    return taken.filter((r) => r.retry_email).map((r) => ({ key: r.key, attempts: r.attempts, email: parseEmail(r.retry_email as string) }));
  }

  async listRegistrants(activityId: string): Promise<Recipient[]> {
    const families = await this.db
      .selectFrom('registrations as r')
      .innerJoin('families as f', 'f.id', 'r.family_id')
      .select(['f.id', 'f.name', 'f.email', 'f.locale'])
      .where('r.activity_id', '=', activityId)
      .where('r.status', '=', 'registered')
      .orderBy('r.seq')
      .execute();
    const volunteers = await this.db
      .selectFrom('volunteer_signups as s')
      .innerJoin('volunteers as v', 'v.id', 's.volunteer_id')
      .select(['v.id', 'v.name', 'v.email', 'v.locale'])
      .where('s.activity_id', '=', activityId)
      .orderBy('s.created_at')
      .orderBy('v.id')
      .execute();
    return [...families.map((f) => recipientOf('family', f)), ...volunteers.map((v) => recipientOf('volunteer', v))];
  }

  async listHeldPlaces(activityId: string): Promise<Recipient[]> {
    const rows = await this.db
      .selectFrom('registrations as r')
      .innerJoin('families as f', 'f.id', 'r.family_id')
      .select(['f.id', 'f.name', 'f.email', 'f.locale'])
      .where('r.activity_id', '=', activityId)
      .where('r.status', 'in', ['registered', 'waitlisted'])
      .orderBy('r.seq')
      .execute();
    return rows.map((f) => recipientOf('family', f));
  }

  async releasePlace(activityId: string, familyId: string): Promise<boolean> {
    const result = await this.db
      .updateTable('registrations')
      .set({ status: 'cancelled', updated_at: this.nowIso() })
      .where('activity_id', '=', activityId)
      .where('family_id', '=', familyId)
      .where('status', 'in', ['registered', 'waitlisted'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async recipientsByKey(keys: readonly string[]): Promise<Map<string, Recipient>> {
    const wanted = new Map<RecipientKind, Set<string>>();
    for (const key of keys) {
      const at = key.indexOf(':');
      const kind = key.slice(0, at) as RecipientKind;
      if (at <= 0 || !(kind in RECIPIENT_TABLES)) continue;
      const ids = wanted.get(kind) ?? new Set<string>();
      wanted.set(kind, ids.add(key.slice(at + 1)));
    }
    const found = new Map<string, Recipient>();
    // One statement per kind named, in slices well under the databases' parameter limits.
    for (const [kind, idSet] of wanted) {
      const ids = [...idSet];
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await this.db.selectFrom(RECIPIENT_TABLES[kind]).select(['id', 'name', 'email', 'locale']).where('id', 'in', ids.slice(i, i + 500)).execute();
        for (const r of rows) found.set(`${kind}:${r.id}`, { key: `${kind}:${r.id}`, name: r.name, email: r.email, locale: r.locale });
      }
    }
    return found;
  }

  async listCompoundFamilies(compound: string): Promise<Recipient[]> {
    const rows = await this.db
      .selectFrom('families')
      .select(['id', 'name', 'email', 'locale'])
      .where('compound_id', '=', compound)
      .orderBy('id')
      .execute();
    return rows.map((f) => recipientOf('family', f));
  }

  async familyCardTokens(familyIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const ids = [...new Set(familyIds)];
    // In slices, so one statement's parameters stay well under SQLite's and PostgreSQL's limits.
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db.selectFrom('families').select(['id', 'qr_token']).where('id', 'in', ids.slice(i, i + 500)).execute();
      for (const r of rows) out.set(r.id, r.qr_token);
    }
    return out;
  }

  /** Opens check-in (or moves the window of an open one). Never reopens a closed activity. */
  async openAttendance(activityId: string, window: AttendanceWindow): Promise<void> {
    const result = await this.db
      .updateTable('activities')
      .set({
        attendance_state: 'open',
        attendance_opens_at: toIso(window.opensAt),
        attendance_closes_at: toIso(window.closesAt),
        updated_at: this.nowIso(),
      })
      .where('id', '=', activityId)
      .where('attendance_state', '<>', 'closed')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) return;
    const row = await this.db.selectFrom('activities').select('id').where('id', '=', activityId).executeTakeFirst();
    if (!row) throw activityNotRecorded(activityId);
  }

  /**
   * Closes check-in and stores the tally in the same transaction; a repeat returns the stored
   * tally. Volunteers still checked in are counted up to the window's close (or to now, if the
   * activity is closed before its window ends).
   */
  async closeAttendance(activityId: string): Promise<AttendanceTally> {
    return withTransaction(this.db, async (trx) => {
      const activity = await this.activityForUpdate(trx, activityId);
      if (activity.attendance_state === 'closed' && activity.tally_json) return JSON.parse(activity.tally_json) as AttendanceTally;
      const now = this.nowIso();
      const closedAt = activity.attendance_closes_at && activity.attendance_closes_at < now ? activity.attendance_closes_at : now;
      const checkIns = await trx.selectFrom('check_ins').selectAll().where('activity_id', '=', activityId).execute();
      const tally = tallyOf(checkIns, closedAt);
      await trx
        .updateTable('activities')
        .set({ attendance_state: 'closed', attendance_closed_at: closedAt, tally_json: JSON.stringify(tally), updated_at: now })
        .where('id', '=', activityId)
        .execute();
      return tally;
    });
  }

  /**
   * Writes the activity's points in one transaction: `attendance` (and `familyLearning`, when
   * above 0) to each family that checked in, and floor(hours × perVolunteerHour) to each volunteer.
   * Entries are keyed `award:<activityId>:<kind>:<id>:<rule>` (unique), so a repeat writes
   * nothing and reports the same figures. Points are earned at the activity's end (for expiry and
   * the earning cap); an award beyond the holder's cap is cut to what is left. Attendance must be
   * closed first (closeAttendance).
   */
  async ensureSurveyRound(req: ParticipantSurveyRequest): Promise<{ roundId: string | null }> {
    const round = await new Surveys(this.db, { now: this.now }).ensureActivityRound(req);
    return { roundId: round?.roundId ?? null };
  }

  async saveActivitySummary(summary: ActivitySummary): Promise<void> {
    const row = {
      cycle_id: summary.cycleId,
      compound_id: summary.compound,
      outcome: summary.outcome,
      starts_at: summary.startsAt,
      summary_json: JSON.stringify(summary),
      recorded_at: this.nowIso(),
    };
    await this.db
      .insertInto('activity_summaries')
      .values({ activity_id: summary.activityId, ...row })
      .onConflict((oc) => oc.column('activity_id').doUpdateSet(row))
      .execute();
  }

  /** The summaries of a cycle's finished activities, oldest start first. */
  async listActivitySummaries(cycleId: string): Promise<ActivitySummary[]> {
    const rows = await this.db
      .selectFrom('activity_summaries')
      .select('summary_json')
      .where('cycle_id', '=', cycleId)
      .orderBy('starts_at')
      .execute();
    return rows.map((r) => JSON.parse(r.summary_json) as ActivitySummary);
  }

  async awardActivityPoints(activityId: string, rules: PointsRules): Promise<PointsAwardResult> {
    const r = parseInput(PointsRules, rules);
    return withTransaction(this.db, async (trx) => {
      const activity = await this.activityForUpdate(trx, activityId);
      if (activity.attendance_state !== 'closed' || !activity.attendance_closed_at) {
        throw new StoreLogicError(`activity ${activityId}: attendance must be closed before points are awarded`);
      }
      const checkIns = await trx.selectFrom('check_ins').selectAll().where('activity_id', '=', activityId).execute();
      const familyIds = [...new Set(checkIns.filter((c) => c.person_kind === 'family').map((c) => c.person_id))].sort();
      const serviceMs = volunteerServiceMs(checkIns, activity.attendance_closed_at);
      const volunteerIds = [...serviceMs.keys()].sort();

      const now = this.nowIso();
      const earnedAt = activity.ends_at;
      const write = async (holder: Holder, rule: ActivityPointRule, amount: number) => {
        if (amount <= 0) return;
        await insertAward(
          trx,
          this.policy,
          { holder, amount, idempotencyKey: activityAwardKey(activityId, holder, rule), activityId, rule, earnedAt, note: activity.title },
          now,
        );
      };
      // Lock holders in a fixed order (families, then volunteers, each by id): no deadlocks between awards.
      for (const id of familyIds) {
        const holder: Holder = { kind: 'family', id };
        await lockHolder(trx, holder);
        for (const award of familyAwards(r)) await write(holder, award.rule, award.amount);
      }
      for (const id of volunteerIds) {
        const holder: Holder = { kind: 'volunteer', id };
        await lockHolder(trx, holder);
        await write(holder, 'volunteerHours', volunteerHoursPoints(serviceMs.get(id) ?? 0, r.perVolunteerHour));
      }
      return this.awardSummary(trx, activityId);
    });
  }

  /** The figures of an activity's award, from the entries that exist for it. */
  private async awardSummary(trx: Kysely<Database>, activityId: string): Promise<PointsAwardResult> {
    const earned = await trx
      .selectFrom('points_entries')
      .select((eb) => ['holder_kind', 'holder_id', eb.fn.sum<string | number | null>('amount').as('earned')])
      .where('activity_id', '=', activityId)
      .where('kind', '=', 'award')
      .where('rule', 'in', [...ACTIVITY_POINT_RULES])
      .groupBy(['holder_kind', 'holder_id'])
      .execute();
    const positive = earned.map((e) => ({ kind: e.holder_kind, id: e.holder_id, earned: num(e.earned) })).filter((e) => e.earned > 0);
    const families = positive.filter((e) => e.kind === 'family').sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const balances: PointsAwardResult['balances'] = [];
    for (const f of families) {
      const family = await trx.selectFrom('families').select(['id', 'name', 'email', 'locale']).where('id', '=', f.id).executeTakeFirst();
      if (!family) continue;
      balances.push({ recipient: recipientOf('family', family), earned: f.earned, balance: await balanceOf(trx, { kind: 'family', id: f.id }) });
    }
    return {
      pointsAwarded: positive.reduce((s, e) => s + e.earned, 0),
      familiesAwarded: families.length,
      volunteersAwarded: positive.filter((e) => e.kind === 'volunteer').length,
      balances,
    };
  }
}

/**
 * An unsent row the retrier may take: one the relay turned away whose next attempt is due, or one
 * parked by a single send (`parkEmail`) whose sender never marked it (the process died between
 * the claim and the relay's answer): once its lease lapses it is sent with the same Message-ID.
 */
function dueForRetry(now: string) {
  return (eb: ExpressionBuilder<Database, 'email_outbox'>) =>
    eb.or([
      eb.and([eb('delivery', '=', 'retrying'), eb('next_attempt_at', '<=', now)]),
      eb.and([eb('delivery', 'is', null), eb('retry_email', 'is not', null)]),
    ]);
}

/** A rendered email as the outbox keeps it for a retry: JSON, attachments' bytes included. */
function serializeEmail(email: OutgoingEmail): string {
  return JSON.stringify(email);
}

function parseEmail(json: string): OutgoingEmail {
  // JSON.stringify writes a Buffer as { type: 'Buffer', data: [...] }: read it back as one.
  return JSON.parse(json, (_key, value: unknown) =>
    value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)
      ? Buffer.from((value as { data: number[] }).data)
      : value,
  ) as OutgoingEmail;
}
