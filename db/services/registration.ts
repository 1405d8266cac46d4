/**
 * Registration for a themed activity: families take places (capacity counts members), the rest
 * wait in arrival order; volunteers sign up. Each change runs in one transaction that locks the
 * activity's row on PostgreSQL (SQLite serialises write transactions), so the capacity check and
 * the write cannot interleave with another registration.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { registrationClosedReason, type RegistrationClosedReason } from '../../domain/activity';
import type { Recipient } from '../../domain/people';
import { lockActivityRow, withTransaction } from '../database';
import type { ActivityRow, Database, RegistrationStatus } from '../types';
import { type Clock, ServiceError, num, systemClock } from '../util';
import { IdSchema, parseInput } from './validation';

export type RegistrationErrorCode = 'ACTIVITY_NOT_FOUND' | 'FAMILY_NOT_FOUND' | 'VOLUNTEER_NOT_FOUND' | 'EXCEEDS_CAPACITY' | 'REGISTRATION_NOT_OPEN';

export class RegistrationError extends ServiceError<RegistrationErrorCode> {
  override readonly name = 'RegistrationError';
}

const CLOSED_BECAUSE: Record<RegistrationClosedReason, string> = {
  awaitingApproval: 'its plan is not approved yet',
  rejected: 'its plan was rejected',
  cancelled: 'it was cancelled',
  over: 'it has taken place',
};

/** The refusal for registering (or handing out registration links) at `stage`; undefined while registration is open. */
export function registrationNotOpen(stage: string): RegistrationError | undefined {
  const reason = registrationClosedReason(stage);
  return reason ? new RegistrationError('REGISTRATION_NOT_OPEN', `Registration for this activity is not open: ${CLOSED_BECAUSE[reason]} (stage ${stage})`) : undefined;
}

/** Refuses a registration at a stage where the domain's rule says no (the activity's row is locked by the caller). */
function assertRegistrationOpen(activity: ActivityRow): void {
  const refusal = registrationNotOpen(activity.stage);
  if (refusal) throw refusal;
}

const RegisterSchema = z.object({
  activityId: IdSchema,
  familyId: IdSchema,
  members: z.number().int().min(1).max(50),
});

export interface RegistrationView {
  activityId: string;
  familyId: string;
  members: number;
  status: RegistrationStatus;
  seq: number;
  createdAt: string;
}

export interface CancelResult {
  /** False when the family had no live registration (nothing changed). */
  cancelled: boolean;
  /** Waitlisted families that got a place, in the order they were promoted: email them. */
  promoted: Recipient[];
}

export class Registrations {
  private readonly now: Clock;

  constructor(
    private readonly db: Kysely<Database>,
    options: { now?: Clock } = {},
  ) {
    this.now = options.now ?? systemClock;
  }

  private async lockActivity(trx: Kysely<Database>, activityId: string): Promise<ActivityRow> {
    const row = await lockActivityRow(trx, activityId);
    if (!row) throw new RegistrationError('ACTIVITY_NOT_FOUND', `no activity ${activityId}`);
    return row;
  }

  private async placesTaken(trx: Kysely<Database>, activityId: string): Promise<number> {
    const row = await trx
      .selectFrom('registrations')
      .select((eb) => eb.fn.sum<string | number | null>('members').as('taken'))
      .where('activity_id', '=', activityId)
      .where('status', '=', 'registered')
      .executeTakeFirst();
    return num(row?.taken);
  }

  private async nextSeq(trx: Kysely<Database>, activityId: string): Promise<number> {
    const row = await trx
      .selectFrom('registrations')
      .select((eb) => eb.fn.max<number | string | null>('seq').as('seq'))
      .where('activity_id', '=', activityId)
      .executeTakeFirst();
    return num(row?.seq) + 1;
  }

  /**
   * Registers a family with `members` people: 'registered' when the places left hold them,
   * otherwise 'waitlisted'. Registering again while registered or waitlisted returns that state and
   * changes nothing; a family that had cancelled registers anew (at the back of the queue).
   */
  async register(activityId: string, familyId: string, members: number): Promise<'registered' | 'waitlisted'> {
    const input = parseInput(RegisterSchema, { activityId, familyId, members });
    return withTransaction(this.db, async (trx) => {
      const activity = await this.lockActivity(trx, input.activityId);
      // Checked under the lock: the workflow's stage change (and its release of every place) waits for it.
      assertRegistrationOpen(activity);
      const family = await trx.selectFrom('families').select('id').where('id', '=', input.familyId).executeTakeFirst();
      if (!family) throw new RegistrationError('FAMILY_NOT_FOUND', `no family ${input.familyId}`);
      const existing = await trx
        .selectFrom('registrations')
        .selectAll()
        .where('activity_id', '=', input.activityId)
        .where('family_id', '=', input.familyId)
        .executeTakeFirst();
      if (existing && existing.status !== 'cancelled') return existing.status;
      if (input.members > num(activity.capacity)) {
        throw new RegistrationError('EXCEEDS_CAPACITY', `${input.members} people exceed the activity's capacity of ${activity.capacity}`);
      }
      const status: 'registered' | 'waitlisted' =
        (await this.placesTaken(trx, input.activityId)) + input.members <= num(activity.capacity) ? 'registered' : 'waitlisted';
      const now = this.now().toISOString();
      const seq = await this.nextSeq(trx, input.activityId);
      if (existing) {
        await trx
          .updateTable('registrations')
          .set({ status, members: input.members, seq, updated_at: now })
          .where('activity_id', '=', input.activityId)
          .where('family_id', '=', input.familyId)
          .execute();
      } else {
        await trx
          .insertInto('registrations')
          .values({ activity_id: input.activityId, family_id: input.familyId, members: input.members, status, seq, created_at: now, updated_at: now })
          .execute();
      }
      return status;
    });
  }

  /**
   * Cancels a family's registration (or its place on the waitlist). The freed places go to the
   * waitlisted families in arrival order: each one whose members fit is promoted, and a larger
   * family does not block a smaller one behind it. Returns who was promoted.
   */
  async cancel(activityId: string, familyId: string): Promise<CancelResult> {
    const input = parseInput(RegisterSchema.omit({ members: true }), { activityId, familyId });
    return withTransaction(this.db, async (trx) => {
      const activity = await this.lockActivity(trx, input.activityId);
      const now = this.now().toISOString();
      const cancelled = await trx
        .updateTable('registrations')
        .set({ status: 'cancelled', updated_at: now })
        .where('activity_id', '=', input.activityId)
        .where('family_id', '=', input.familyId)
        .where('status', '<>', 'cancelled')
        .executeTakeFirst();
      const promoted = await this.promote(trx, activity, now);
      return { cancelled: Number(cancelled.numUpdatedRows) > 0, promoted };
    });
  }

  /** Promotes waitlisted families that fit (also useful after the capacity was raised). */
  async promoteWaitlisted(activityId: string): Promise<Recipient[]> {
    const id = parseInput(IdSchema, activityId);
    return withTransaction(this.db, async (trx) => this.promote(trx, await this.lockActivity(trx, id), this.now().toISOString()));
  }

  private async promote(trx: Kysely<Database>, activity: ActivityRow, now: string): Promise<Recipient[]> {
    let free = num(activity.capacity) - (await this.placesTaken(trx, activity.id));
    const waiting = await trx
      .selectFrom('registrations as r')
      .innerJoin('families as f', 'f.id', 'r.family_id')
      .select(['r.family_id', 'r.members', 'f.name', 'f.email', 'f.locale'])
      .where('r.activity_id', '=', activity.id)
      .where('r.status', '=', 'waitlisted')
      .orderBy('r.seq')
      .execute();
    const promoted: Recipient[] = [];
    for (const w of waiting) {
      if (free <= 0) break;
      if (num(w.members) > free) continue;
      await trx
        .updateTable('registrations')
        .set({ status: 'registered', updated_at: now })
        .where('activity_id', '=', activity.id)
        .where('family_id', '=', w.family_id)
        .execute();
      free -= num(w.members);
      promoted.push({ key: `family:${w.family_id}`, name: w.name, email: w.email, locale: w.locale });
    }
    return promoted;
  }

  async get(activityId: string, familyId: string): Promise<RegistrationView | undefined> {
    const row = await this.db
      .selectFrom('registrations')
      .selectAll()
      .where('activity_id', '=', activityId)
      .where('family_id', '=', familyId)
      .executeTakeFirst();
    return row ? toView(row) : undefined;
  }

  async list(activityId: string): Promise<RegistrationView[]> {
    const rows = await this.db.selectFrom('registrations').selectAll().where('activity_id', '=', activityId).orderBy('seq').execute();
    return rows.map(toView);
  }

  /** Places left (capacity minus registered members; never below 0). */
  async placesLeft(activityId: string): Promise<number> {
    const activity = await this.db.selectFrom('activities').select('capacity').where('id', '=', activityId).executeTakeFirst();
    if (!activity) throw new RegistrationError('ACTIVITY_NOT_FOUND', `no activity ${activityId}`);
    return Math.max(0, num(activity.capacity) - (await this.placesTaken(this.db, activityId)));
  }

  /** Signs a volunteer up; 'alreadySignedUp' on a repeat. */
  async signUpVolunteer(activityId: string, volunteerId: string): Promise<'signedUp' | 'alreadySignedUp'> {
    const a = parseInput(IdSchema, activityId);
    const v = parseInput(IdSchema, volunteerId);
    return withTransaction(this.db, async (trx) => {
      if (!(await trx.selectFrom('activities').select('id').where('id', '=', a).executeTakeFirst())) {
        throw new RegistrationError('ACTIVITY_NOT_FOUND', `no activity ${a}`);
      }
      if (!(await trx.selectFrom('volunteers').select('id').where('id', '=', v).executeTakeFirst())) {
        throw new RegistrationError('VOLUNTEER_NOT_FOUND', `no volunteer ${v}`);
      }
      const inserted = await trx
        .insertInto('volunteer_signups')
        .values({ activity_id: a, volunteer_id: v, created_at: this.now().toISOString() })
        .onConflict((oc) => oc.columns(['activity_id', 'volunteer_id']).doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0 ? 'signedUp' : 'alreadySignedUp';
    });
  }

  /** Withdraws a volunteer's signup; false when there was none. */
  async withdrawVolunteer(activityId: string, volunteerId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('volunteer_signups')
      .where('activity_id', '=', parseInput(IdSchema, activityId))
      .where('volunteer_id', '=', parseInput(IdSchema, volunteerId))
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function toView(row: {
  activity_id: string;
  family_id: string;
  members: number;
  status: RegistrationStatus;
  seq: number;
  created_at: string;
}): RegistrationView {
  return {
    activityId: row.activity_id,
    familyId: row.family_id,
    members: num(row.members),
    status: row.status,
    seq: num(row.seq),
    createdAt: row.created_at,
  };
}
