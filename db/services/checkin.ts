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
import { dialectOf, lockActivityRow, withTransaction } from '../database';
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
