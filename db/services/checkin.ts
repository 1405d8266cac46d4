/**
 * Check-in (签到). Families and volunteers check in once per activity, by QR code, link or at the
 * staff desk; walk-ins are allowed. Whether check-in is open is one rule (domain/activity.ts
 * checkInWindowOpen): the workflow opened it, or the approved activity's recorded window has begun —
 * the door opens on time even while no worker runs — and never past the window's close.
 *
 * Safe under concurrency: the row is written with INSERT … ON CONFLICT DO NOTHING against the
 * unique (activity, person) and (activity, nonce) constraints, so any number of simultaneous
 * check-ins of one person record exactly one. On PostgreSQL the activity row is read FOR SHARE, so
 * a check-in and the closing of attendance (FOR UPDATE) cannot interleave: a check-in is either in
 * the tally or refused.
 */
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { z } from 'zod';
import { CHECK_IN_STAGES, checkInWindowOpen } from '../../domain/activity';
import { dialectOf, executePrepared, lockActivityRow, withTransaction, type PreparedStatement } from '../database';
import type { CheckInRow, Database, PersonKind } from '../types';
import { type Clock, ServiceError, newId, num, systemClock } from '../util';
import { IdSchema, parseInput } from './validation';

export type CheckInErrorCode =
  | 'ACTIVITY_NOT_FOUND'
  | 'ATTENDANCE_NOT_OPEN'
  | 'PERSON_NOT_FOUND'
  | 'NONCE_REUSED'
  | 'NOT_CHECKED_IN';

export class CheckInError extends ServiceError<CheckInErrorCode> {
  override readonly name = 'CheckInError';
}

const CheckInSchema = z
  .object({
    activityId: IdSchema,
    personKind: z.enum(['family', 'volunteer']),
    personId: IdSchema.optional(),
    qrToken: z.string().trim().min(1).max(200).optional(),
    /** Family members present; default: the members registered, else the family's size. Volunteers count 1. */
    members: z.number().int().min(1).max(50).optional(),
    method: z.enum(['qr', 'link', 'staff']),
    /** Client-chosen id of this check-in attempt: a retry with the same nonce is answered as the first. */
    nonce: z.string().trim().min(1).max(200).optional(),
    /** The staff member checking the person in (desk and JSON routes); absent for a family's own link. */
    checkedInBy: IdSchema.optional(),
  })
  .refine((c) => !!c.personId !== !!c.qrToken, { message: 'give exactly one of personId and qrToken', path: ['personId'] });
export type CheckInInput = z.input<typeof CheckInSchema>;

export type CheckInResult =
  | { status: 'checkedIn'; at: string; personKind: PersonKind; personId: string; members: number }
  | { status: 'alreadyCheckedIn'; at: string; personKind: PersonKind; personId: string; members: number };

export class CheckIns {
  private readonly now: Clock;

  constructor(
    private readonly db: Kysely<Database>,
    options: { now?: Clock } = {},
  ) {
    this.now = options.now ?? systemClock;
  }

  /** Reads the activity's row (FOR SHARE on PostgreSQL) and insists that check-in is open. */
  private async requireOpen(trx: Kysely<Database>, activityId: string): Promise<void> {
    const activity = await lockActivityRow(trx, activityId, 'share');
    if (!activity) throw new CheckInError('ACTIVITY_NOT_FOUND', `no activity ${activityId}`);
    this.insistOpen(activityId, activity);
  }

  /** The one rule (domain/activity.ts checkInWindowOpen) on a row, as the refusal it gives. */
  private insistOpen(
    activityId: string,
    a: { attendance_state: string; stage: string; attendance_opens_at: string | null; attendance_closes_at: string | null },
  ): void {
    const now = this.now().toISOString();
    const window = { attendanceState: a.attendance_state, stage: a.stage, opensAt: a.attendance_opens_at, closesAt: a.attendance_closes_at };
    if (checkInWindowOpen(window, now)) return;
    const closed = a.attendance_state === 'closed' || (a.attendance_closes_at !== null && now >= a.attendance_closes_at && CHECK_IN_STAGES.includes(a.stage));
    throw new CheckInError('ATTENDANCE_NOT_OPEN', `check-in for activity ${activityId} is ${closed ? 'closed' : 'not open yet'}`);
  }

  /**
   * At most four statements in one transaction: BEGIN; one INSERT … SELECT that writes the row only
   * when the activity's check-in is open and the person exists (their members taken from their
   * registration, else their family's size); COMMIT. Only when nothing was written, one SELECT
   * between them says why (no activity, not open, no such person) or answers the earlier check-in.
   */
  async checkIn(input: CheckInInput): Promise<CheckInResult> {
    const c = parseInput(CheckInSchema, input);
    const row = { id: newId('ci'), at: this.now().toISOString() };
    return withTransaction(this.db, async (trx) => {
      const inserted = await this.insertIfOpen(trx, c, row);
      if (inserted) return view('checkedIn', inserted);

      const found = await this.whyNotInserted(trx, c);
      if (!found) throw new CheckInError('ACTIVITY_NOT_FOUND', `no activity ${c.activityId}`);
      this.insistOpen(c.activityId, found);
      if (!found.found_person_id) throw personNotFound(c.personKind, c.personId);
      if (found.checked_in_at !== null && found.members !== null) {
        const existing = { checked_in_at: found.checked_in_at, person_kind: c.personKind, person_id: found.found_person_id, members: found.members };
        return view(c.nonce !== undefined && found.nonce === c.nonce ? 'checkedIn' : 'alreadyCheckedIn', existing);
      }
      throw new CheckInError('NONCE_REUSED', 'this check-in code was already used by someone else');
    });
  }

  /**
   * The desk's common case in ONE self-committing statement (a named prepared statement on
   * PostgreSQL): the person whose card carries `qrToken` (a family's before a volunteer's, as
   * personByQrToken reads them) is checked in when the activity exists and admits check-in now
   * (checkInWindowOpen, as admitsNow), and the staff member's compound scope admits both without a
   * cross-compound audit row: `staffCompound` (a compound-bound member's compound, undefined for a
   * coordinator) is the activity's, and the person is of the activity's compound or of none. On
   * PostgreSQL the activity row is read FOR SHARE inside the statement, so closing attendance
   * cannot interleave. Undefined when it wrote nothing, for any reason (unknown activity or card,
   * window not open, another compound, a coordinator crossing compounds, already checked in, a
   * nonce used before): the caller then takes the full path, which words each answer.
   */
  async checkInByQrToken(input: { activityId: string; qrToken: string; nonce?: string | undefined; members?: number | undefined; checkedInBy: string; staffCompound: string | undefined }): Promise<CheckInResult | undefined> {
    const id = newId('ci');
    const at = this.now().toISOString();
    const members = input.members ?? null;
    const nonce = input.nonce ?? null;
    const own = input.staffCompound ?? null;
    const t = input.qrToken;
    const rows = await executePrepared<{ checked_in_at: string; person_kind: PersonKind; person_id: string; members: number | string }>(this.db, QR_CHECK_IN, {
      sqlite: [id, members, nonce, at, input.checkedInBy, t, t, t, input.activityId, at, at, own, own],
      postgres: [id, members, nonce, at, input.checkedInBy, t, input.activityId, own],
    });
    const row = rows[0];
    return row ? view('checkedIn', row) : undefined;
  }

  /**
   * The one INSERT … SELECT … ON CONFLICT DO NOTHING of a check-in: the row, or undefined when the
   * activity is missing or not open, the person is unknown, or they (or this nonce) checked in
   * already. On PostgreSQL the activity's row is read FOR SHARE, so closing attendance (FOR UPDATE)
   * cannot interleave with it.
   */
  private async insertIfOpen(trx: Kysely<Database>, c: ParsedCheckIn, row: { id: string; at: string }): Promise<CheckInRow | undefined> {
    const columns = ['id', 'activity_id', 'person_kind', 'person_id', 'members', 'method', 'nonce', 'checked_in_at', 'checked_out_at', 'checked_in_by'] as const;
    const givenMembers = c.members !== undefined ? sql<number>`cast(${c.members} as integer)` : null;
    const base = (personTable: PersonTable) =>
      trx
        .selectFrom('activities as a')
        .innerJoin(`${personTable as 'families'} as p`, (j) => (c.personId ? j.on('p.id', '=', c.personId) : j.on('p.qr_token', '=', c.qrToken ?? '')))
        .where('a.id', '=', c.activityId)
        .where(admitsNow(row.at))
        .$if(dialectOf(trx) === 'postgres', (q) => q.forShare('a'));
    const source =
      c.personKind === 'family'
        ? base('families').select((eb) => [
              eb.val(row.id).as('id'),
              'a.id as activity_id',
              eb.val('family').as('person_kind'),
              'p.id as person_id',
              eb.fn
                .coalesce(
                  givenMembers ?? sql<number | null>`null`,
                  eb
                    .selectFrom('registrations as r')
                    .select('r.members')
                    .whereRef('r.activity_id', '=', 'a.id')
                    .whereRef('r.family_id', '=', 'p.id')
                    .where('r.status', '!=', 'cancelled'),
                  'p.members',
                )
                .as('members'),
              eb.val(c.method).as('method'),
              eb.val(c.nonce ?? null).as('nonce'),
              eb.val(row.at).as('checked_in_at'),
              sql<null>`null`.as('checked_out_at'),
              eb.val(c.checkedInBy ?? null).as('checked_in_by'),
            ])
        : base('volunteers').select((eb) => [
              eb.val(row.id).as('id'),
              'a.id as activity_id',
              eb.val('volunteer').as('person_kind'),
              'p.id as person_id',
              sql<number>`1`.as('members'),
              eb.val(c.method).as('method'),
              eb.val(c.nonce ?? null).as('nonce'),
              eb.val(row.at).as('checked_in_at'),
              sql<null>`null`.as('checked_out_at'),
              eb.val(c.checkedInBy ?? null).as('checked_in_by'),
            ]);
    return trx
      .insertInto('check_ins')
      .columns(columns)
      .expression(source)
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * Why a check-in wrote nothing, in one SELECT: no row when the activity is unknown; else its
   * attendance state, the person's id when they exist, and their check-in when they have one.
   */
  private async whyNotInserted(trx: Kysely<Database>, c: ParsedCheckIn) {
    const personTable: PersonTable = c.personKind === 'family' ? 'families' : 'volunteers';
    return trx
      .selectFrom('activities as a')
      .leftJoin(`${personTable as 'families'} as p`, (j) => (c.personId ? j.on('p.id', '=', c.personId) : j.on('p.qr_token', '=', c.qrToken ?? '')))
      .leftJoin('check_ins as ci', (j) => j.onRef('ci.activity_id', '=', 'a.id').on('ci.person_kind', '=', c.personKind).onRef('ci.person_id', '=', 'p.id'))
      .where('a.id', '=', c.activityId)
      .select(['a.attendance_state', 'a.stage', 'a.attendance_opens_at', 'a.attendance_closes_at', 'p.id as found_person_id', 'ci.checked_in_at', 'ci.members', 'ci.nonce'])
      .executeTakeFirst();
  }

  /** Records when a volunteer left (the first time counts); needs check-in still open. */
  async checkOut(activityId: string, volunteerId: string): Promise<{ status: 'checkedOut' | 'alreadyCheckedOut'; at: string }> {
    const a = parseInput(IdSchema, activityId);
    const v = parseInput(IdSchema, volunteerId);
    return withTransaction(this.db, async (trx) => {
      await this.requireOpen(trx, a);
      const at = this.now().toISOString();
      const updated = await trx
        .updateTable('check_ins')
        .set({ checked_out_at: at })
        .where('activity_id', '=', a)
        .where('person_kind', '=', 'volunteer')
        .where('person_id', '=', v)
        .where('checked_out_at', 'is', null)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) > 0) return { status: 'checkedOut' as const, at };
      const existing = await trx
        .selectFrom('check_ins')
        .select('checked_out_at')
        .where('activity_id', '=', a)
        .where('person_kind', '=', 'volunteer')
        .where('person_id', '=', v)
        .executeTakeFirst();
      if (!existing?.checked_out_at) throw new CheckInError('NOT_CHECKED_IN', `volunteer ${v} has not checked in`);
      return { status: 'alreadyCheckedOut' as const, at: existing.checked_out_at };
    });
  }

  async list(activityId: string): Promise<CheckInRow[]> {
    return this.db.selectFrom('check_ins').selectAll().where('activity_id', '=', activityId).orderBy('checked_in_at').orderBy('id').execute();
  }
}

type ParsedCheckIn = z.output<typeof CheckInSchema>;

/**
 * Where a person of each kind is recorded. Both tables have the `id` and `qr_token` the queries
 * look them up by, so the queries name either as `families` for the type checker; only a family's
 * own `members` is read, and only from `families`.
 */
type PersonTable = 'families' | 'volunteers';

function personNotFound(kind: PersonKind, personId: string | undefined): CheckInError {
  const what = kind === 'family' ? 'family' : 'volunteer';
  return new CheckInError('PERSON_NOT_FOUND', personId ? `no ${what} ${personId}` : `unknown ${what} QR code`);
}

function view(
  status: 'checkedIn' | 'alreadyCheckedIn',
  row: Pick<CheckInRow, 'checked_in_at' | 'person_kind' | 'person_id'> & { members: number | string | bigint },
): CheckInResult {
  return { status, at: row.checked_in_at, personKind: row.person_kind, personId: row.person_id, members: num(row.members) };
}

/**
 * checkInByQrToken's statement. Its window test is admitsNow's, its scope test the one assertCompound
 * and the people scope (domain/access.ts personScope) give when nothing is refused and no
 * cross-compound act is audited; members as insertIfOpen takes them (a volunteer counts 1).
 * The `p` subquery finds the card as personByQrToken does: a family's first, else a volunteer's.
 */
const qrCheckInSql = (v: (n: number) => string, forShare: string, int: (x: string) => string, text: (x: string) => string): string => `
insert into check_ins (id, activity_id, person_kind, person_id, members, method, nonce, checked_in_at, checked_out_at, checked_in_by)
select ${v(1)}, a.id, p.kind, p.id,
  case when p.kind = 'family'
    then coalesce(${int(v(2))}, (select r.members from registrations r where r.activity_id = a.id and r.family_id = p.id and r.status <> 'cancelled'), p.members)
    else 1 end,
  'qr', ${text(v(3))}, ${text(v(4))}, null, ${text(v(5))}
from activities a,
  (select 'family' as kind, f.id, f.compound_id, f.members from families f where f.qr_token = ${v(6)}
   union all
   select 'volunteer' as kind, vo.id, vo.compound_id, 1 as members from volunteers vo
   where vo.qr_token = ${v(6)} and not exists (select 1 from families f2 where f2.qr_token = ${v(6)})) p
where a.id = ${v(7)}
  and (a.attendance_state = 'open'
    or (a.attendance_state = 'notOpen' and a.stage in (${CHECK_IN_STAGES.map((x) => `'${x}'`).join(', ')})
        and a.attendance_opens_at <= ${text(v(4))} and a.attendance_closes_at > ${text(v(4))}))
  and (${text(v(8))} is null or a.compound_id = ${text(v(8))})
  and (p.compound_id is null or p.compound_id = a.compound_id)
${forShare}
on conflict do nothing
returning checked_in_at, person_kind, person_id, members`;

const QR_CHECK_IN: PreparedStatement = {
  name: 'checkin_by_qr_v1',
  // SQLite's placeholders are positional: the caller gives a value once per `?`.
  sqlite: qrCheckInSql(() => '?', '', (x) => `cast(${x} as integer)`, (x) => x),
  postgres: qrCheckInSql((n) => `$${n}`, 'for share of a', (x) => `${x}::integer`, (x) => `${x}::text`),
};

/**
 * checkInWindowOpen (domain/activity.ts) as SQL on `activities as a`, for the INSERT … SELECT:
 * opened by the workflow, or not opened yet but approved and inside its recorded window.
 * Instants are ISO-8601 UTC text everywhere, so text order is time order.
 */
function admitsNow(nowIso: string) {
  return (eb: ExpressionBuilder<{ a: Database['activities'] }, 'a'>) =>
    eb.or([
      eb('a.attendance_state', '=', 'open'),
      eb.and([
        eb('a.attendance_state', '=', 'notOpen'),
        eb('a.stage', 'in', [...CHECK_IN_STAGES]),
        eb('a.attendance_opens_at', '<=', nowIso),
        eb('a.attendance_closes_at', '>', nowIso),
      ]),
    ]);
}
