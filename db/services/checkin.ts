/**
 * Check-in (签到). Families and volunteers check in once per activity, by QR code, link or at the
 * staff desk; walk-ins are allowed. Whether check-in is open is the activity's `attendance_state`,
 * which the workflow flips through the store: this module never compares times with the clock.
 *
 * Safe under concurrency: the row is written with INSERT … ON CONFLICT DO NOTHING against the
 * unique (activity, person) and (activity, nonce) constraints, so any number of simultaneous
 * check-ins of one person record exactly one. On PostgreSQL the activity row is read FOR SHARE, so
 * a check-in and the closing of attendance (FOR UPDATE) cannot interleave: a check-in is either in
 * the tally or refused.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { lockActivityRow, withTransaction } from '../database';
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
    if (activity.attendance_state !== 'open') {
      throw new CheckInError('ATTENDANCE_NOT_OPEN', `check-in for activity ${activityId} is ${activity.attendance_state === 'closed' ? 'closed' : 'not open yet'}`);
    }
  }

  async checkIn(input: CheckInInput): Promise<CheckInResult> {
    const c = parseInput(CheckInSchema, input);
    return withTransaction(this.db, async (trx) => {
      await this.requireOpen(trx, c.activityId);
      const person = await this.findPerson(trx, c.personKind, c.personId, c.qrToken);
      let members = 1;
      if (c.personKind === 'family') {
        const registration = await trx
          .selectFrom('registrations')
          .select(['members', 'status'])
          .where('activity_id', '=', c.activityId)
          .where('family_id', '=', person.id)
          .executeTakeFirst();
        members = c.members ?? (registration && registration.status !== 'cancelled' ? num(registration.members) : person.members);
      }
      const inserted = await trx
        .insertInto('check_ins')
        .values({
          id: newId('ci'),
          activity_id: c.activityId,
          person_kind: c.personKind,
          person_id: person.id,
          members,
          method: c.method,
          nonce: c.nonce ?? null,
          checked_in_at: this.now().toISOString(),
          checked_out_at: null,
          checked_in_by: c.checkedInBy ?? null,
        })
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return view('checkedIn', inserted);

      const existing = await trx
        .selectFrom('check_ins')
        .selectAll()
        .where('activity_id', '=', c.activityId)
        .where('person_kind', '=', c.personKind)
        .where('person_id', '=', person.id)
        .executeTakeFirst();
      if (existing) return view(c.nonce !== undefined && existing.nonce === c.nonce ? 'checkedIn' : 'alreadyCheckedIn', existing);
      throw new CheckInError('NONCE_REUSED', 'this check-in code was already used by someone else');
    });
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

  private async findPerson(
    trx: Kysely<Database>,
    kind: PersonKind,
    personId: string | undefined,
    qrToken: string | undefined,
  ): Promise<{ id: string; members: number }> {
    if (kind === 'family') {
      let q = trx.selectFrom('families').select(['id', 'members']);
      q = personId ? q.where('id', '=', personId) : q.where('qr_token', '=', qrToken ?? '');
      const row = await q.executeTakeFirst();
      if (!row) throw new CheckInError('PERSON_NOT_FOUND', personId ? `no family ${personId}` : 'unknown family QR code');
      return { id: row.id, members: num(row.members) };
    }
    let q = trx.selectFrom('volunteers').select('id');
    q = personId ? q.where('id', '=', personId) : q.where('qr_token', '=', qrToken ?? '');
    const row = await q.executeTakeFirst();
    if (!row) throw new CheckInError('PERSON_NOT_FOUND', personId ? `no volunteer ${personId}` : 'unknown volunteer QR code');
    return { id: row.id, members: 1 };
  }
}

function view(status: 'checkedIn' | 'alreadyCheckedIn', row: CheckInRow): CheckInResult {
  return { status, at: row.checked_in_at, personKind: row.person_kind, personId: row.person_id, members: num(row.members) };
}
