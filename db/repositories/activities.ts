/**
 * What the API reads about one activity from the database: the `activities` row its workflow
 * records, its outbox, check-ins, volunteer sign-ups and ledger entries. Reads only.
 */
import type { Kysely, SelectQueryBuilder } from 'kysely';
import { TERMINAL, type ActivityStatus } from '../../domain/activity';
import type { ActivityRow, Database, LocaleText } from '../types';
import { num } from '../util';
import { readModelColumns } from '../store';

export interface OutboxEntry {
  purpose: string;
  recipientKey: string;
  status: 'pending' | 'sent';
  at: string;
  /** Set while a pending email failed: retrying (at `nextAttemptAt`) or refused for good, with the relay's reason. */
  delivery?: { state: 'retrying' | 'refused'; reason: string; attempts: number; nextAttemptAt?: string };
}

export interface CheckInView {
  personKind: 'family' | 'volunteer';
  personId: string;
  name: string;
  members: number;
  method: string;
  at: string;
}

export interface PointsView {
  holderKind: 'family' | 'volunteer';
  holderId: string;
  name: string;
  kind: string;
  rule: string | null;
  amount: number;
  at: string;
}

/** A family's registration for the activity, with its name, compound and check-in (the staff's roster). */
export interface RosterFamily {
  familyId: string;
  name: string;
  compound: string;
  compoundName: string;
  members: number;
  status: 'registered' | 'waitlisted' | 'cancelled';
  seq: number;
  registeredAt: string;
  /** When the status last changed (a cancellation's time). */
  updatedAt: string;
  checkedInAt: string | null;
}

/** A volunteer signed up for the activity, with their check-in and check-out. */
export interface RosterVolunteer {
  volunteerId: string;
  name: string;
  signedUpAt: string;
  checkedInAt: string | null;
  checkedOutAt: string | null;
}

/** One check-in as the desk shows it: who, how many, when, and which staff member checked them in. */
export interface DeskCheckIn {
  personKind: 'family' | 'volunteer';
  personId: string;
  name: string;
  members: number;
  method: string;
  at: string;
  checkedOutAt: string | null;
  /** The staff member's name (migration 012); null for a family's own link or an older row. */
  byName: string | null;
}

/** An activity whose check-in window is open now (the desk's chooser). */
export interface OpenForCheckIn {
  id: string;
  title: string;
  compound: string;
  startsAt: string;
  endsAt: string;
}

/** Which activities a list shows: a compound's (a property manager's or grid worker's), a cycle's, or all. */
export interface ActivityScope {
  compound?: string;
  cycleId?: string;
}

/** One activity as the read model (migration 017) has it: its row, and the status its workflow last wrote. */
export interface ReadModelRow {
  id: string;
  cycleId: string;
  compound: string;
  title: string;
  startsAt: string;
  stage: string;
  /** Undefined until the workflow (or a page, for a run started before the read model) wrote it. */
  status?: ActivityStatus;
}

/** One page of a list, and how many there are in all. */
export interface ReadModelPage {
  rows: ReadModelRow[];
  total: number;
}

const READ_MODEL_COLUMNS = ['id', 'cycle_id', 'compound_id', 'title', 'starts_at', 'stage', 'status_json'] as const;

function readModelRow(r: Pick<ActivityRow, (typeof READ_MODEL_COLUMNS)[number]>): ReadModelRow {
  return {
    id: r.id,
    cycleId: r.cycle_id,
    compound: r.compound_id,
    title: r.title,
    startsAt: r.starts_at,
    stage: r.stage,
    ...(r.status_json ? { status: JSON.parse(r.status_json) as ActivityStatus } : {}),
  };
}

export class ActivityRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The activity's row, as its workflow recorded it. */
  async findById(activityId: string): Promise<ActivityRow | undefined> {
    return this.db.selectFrom('activities').selectAll().where('id', '=', activityId).executeTakeFirst();
  }

  // ---- the read model (migration 017) -------------------------------------------------------------

  private scoped<O>(q: SelectQueryBuilder<Database, 'activities', O>, scope: ActivityScope): SelectQueryBuilder<Database, 'activities', O> {
    let out = q;
    if (scope.compound !== undefined) out = out.where('compound_id', '=', scope.compound);
    if (scope.cycleId !== undefined) out = out.where('cycle_id', '=', scope.cycleId);
    return out;
  }

  /** The status the activity's workflow last wrote, or undefined when there is none yet. */
  async readModel(activityId: string): Promise<ReadModelRow | undefined> {
    const row = await this.db.selectFrom('activities').select(READ_MODEL_COLUMNS).where('id', '=', activityId).executeTakeFirst();
    return row ? readModelRow(row) : undefined;
  }

  /**
   * The rows of these ids, in this order. A page is chosen by ids first and its statuses read
   * after: sorting a thousand rows with their statuses in tow cost more than the page itself.
   */
  private async rowsInOrder(ids: readonly string[]): Promise<ReadModelRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('activities').select(READ_MODEL_COLUMNS).where('id', 'in', [...ids]).execute();
    const byId = new Map(rows.map((r) => [r.id, readModelRow(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** One page of the activities in scope: the newest cycle first, each cycle's latest start first. */
  async activitiesPage(scope: ActivityScope, limit: number, offset: number): Promise<ReadModelPage> {
    // One direction throughout, so the (cycle, start, id) index serves the order.
    const ids = await this.scoped(this.db.selectFrom('activities').select('id'), scope)
      .orderBy('cycle_id', 'desc')
      .orderBy('starts_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    const rows = await this.rowsInOrder(ids.map((r) => r.id));
    const total = await this.scoped(this.db.selectFrom('activities').select((eb) => eb.fn.countAll<string | number>().as('n')), scope).executeTakeFirstOrThrow();
    return { rows, total: num(total.n) };
  }

  /**
   * One page of the open activities someone must act on (by the read model's pending columns):
   * overdue first, then the earliest due, then those waiting longest. (Overdue ones are due before
   * `nowIso`, so before every other: by due time, with no due time last, is the same order.)
   */
  async waitingPage(scope: ActivityScope, limit: number, offset: number): Promise<ReadModelPage> {
    const waiting = <O>(q: SelectQueryBuilder<Database, 'activities', O>) =>
      this.scoped(q, scope).where('pending_action', 'is not', null).where('stage', 'not in', [...TERMINAL]);
    const ids = await waiting(this.db.selectFrom('activities').select('id'))
      .orderBy((eb) => eb.case().when('pending_due_at', 'is', null).then(1).else(0).end())
      .orderBy('pending_due_at')
      .orderBy('stage_since')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute();
    const rows = await this.rowsInOrder(ids.map((r) => r.id));
    const total = await waiting(this.db.selectFrom('activities').select((eb) => eb.fn.countAll<string | number>().as('n'))).executeTakeFirstOrThrow();
    return { rows, total: num(total.n) };
  }

  /** Open activities waiting on this person's action (e.g. an approval), soonest due first. */
  async waitingOn(actorId: string, action: string, scope: ActivityScope = {}): Promise<ReadModelRow[]> {
    const rows = await this.scoped(this.db.selectFrom('activities').select(READ_MODEL_COLUMNS), scope)
      .where('pending_actor_id', '=', actorId)
      .where('pending_action', '=', action)
      .where('stage', 'not in', [...TERMINAL])
      .orderBy('pending_due_at')
      .orderBy('id')
      .execute();
    return rows.map(readModelRow);
  }

  /**
   * Open activities the read model has not seen yet: runs started before it, which write it at
   * their next change. A page asks each of these its status once and keeps it (`backfillStatus`).
   */
  async unseenOpen(scope: ActivityScope, limit: number): Promise<ReadModelRow[]> {
    const rows = await this.scoped(this.db.selectFrom('activities').select(READ_MODEL_COLUMNS), scope)
      .where('status_json', 'is', null)
      .where('stage', 'not in', [...TERMINAL])
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(readModelRow);
  }

  /** Keeps a status asked of a run the read model had not seen; never over anything its workflow wrote. */
  async backfillStatus(activityId: string, status: ActivityStatus): Promise<void> {
    await this.db
      .updateTable('activities')
      .set({ ...readModelColumns(status), status_seq: 0 })
      .where('id', '=', activityId)
      .where('status_json', 'is', null)
      .where('status_seq', 'is', null)
      .execute();
  }

  /** Open activities for the digest: all of them (no cap), with their statuses. */
  async openActivities(): Promise<ReadModelRow[]> {
    const rows = await this.db.selectFrom('activities').select(READ_MODEL_COLUMNS).where('stage', 'not in', [...TERMINAL]).orderBy('starts_at').orderBy('id').execute();
    return rows.map(readModelRow);
  }

  /** Title and stage of the recorded activities among these ids (in batches of 200). */
  async titlesAndStages(ids: readonly string[]): Promise<Map<string, { title: string; stage: string }>> {
    const out = new Map<string, { title: string; stage: string }>();
    for (let i = 0; i < ids.length; i += 200) {
      const rows = await this.db.selectFrom('activities').select(['id', 'title', 'stage']).where('id', 'in', ids.slice(i, i + 200)).execute();
      for (const r of rows) out.set(r.id, { title: r.title, stage: r.stage });
    }
    return out;
  }

  /** The activity's emails in the outbox, oldest first. */
  async outbox(activityId: string): Promise<OutboxEntry[]> {
    const rows = await this.db
      .selectFrom('email_outbox')
      .select(['purpose', 'recipient_key', 'status', 'created_at', 'sent_at', 'delivery', 'last_error', 'attempts', 'next_attempt_at'])
      .where('activity_id', '=', activityId)
      .orderBy('created_at')
      .orderBy('key')
      .execute();
    return rows.map((r) => ({
      purpose: r.purpose,
      recipientKey: r.recipient_key,
      status: r.status,
      at: r.sent_at ?? r.created_at,
      ...(r.status === 'pending' && r.delivery
        ? { delivery: { state: r.delivery, reason: r.last_error ?? '', attempts: r.attempts, ...(r.next_attempt_at ? { nextAttemptAt: r.next_attempt_at } : {}) } }
        : {}),
    }));
  }

  /** Recipient keys of the activity's outbox emails of `purpose` still pending. */
  async pendingRecipientKeys(activityId: string, purpose: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('email_outbox')
      .select('recipient_key')
      .where('activity_id', '=', activityId)
      .where('purpose', '=', purpose)
      .where('status', '=', 'pending')
      .execute();
    return rows.map((r) => r.recipient_key);
  }

  /** The family's contact, when it holds a place (status registered) in the activity. */
  async registeredFamilyContact(activityId: string, familyId: string): Promise<{ name: string; email: string; locale: LocaleText } | undefined> {
    return this.db
      .selectFrom('registrations as r')
      .innerJoin('families as f', 'f.id', 'r.family_id')
      .select(['f.name', 'f.email', 'f.locale'])
      .where('r.activity_id', '=', activityId)
      .where('r.family_id', '=', familyId)
      .where('r.status', '=', 'registered')
      .executeTakeFirst();
  }

  /** The activity's volunteer sign-ups, oldest first. */
  async volunteerSignups(activityId: string): Promise<{ volunteer_id: string; created_at: string }[]> {
    return this.db.selectFrom('volunteer_signups').select(['volunteer_id', 'created_at']).where('activity_id', '=', activityId).orderBy('created_at').execute();
  }

  /** When the person checked in (and out) of the activity, if they did. */
  async checkInOf(activityId: string, personKind: 'family' | 'volunteer', personId: string): Promise<{ checked_in_at: string; checked_out_at: string | null } | undefined> {
    return this.db
      .selectFrom('check_ins')
      .select(['checked_in_at', 'checked_out_at'])
      .where('activity_id', '=', activityId)
      .where('person_kind', '=', personKind)
      .where('person_id', '=', personId)
      .executeTakeFirst();
  }

  /** The activity's registrations in order of arrival, and its volunteers' sign-ups, each with names and check-in times. */
  async roster(activityId: string): Promise<{ families: RosterFamily[]; volunteers: RosterVolunteer[] }> {
    const families = await this.db
      .selectFrom('registrations as r')
      .innerJoin('families as f', 'f.id', 'r.family_id')
      .leftJoin('compounds as c', 'c.id', 'f.compound_id')
      .leftJoin('check_ins as ci', (j) => j.onRef('ci.activity_id', '=', 'r.activity_id').onRef('ci.person_id', '=', 'r.family_id').on('ci.person_kind', '=', 'family'))
      .select(['r.family_id', 'f.name', 'f.compound_id', 'c.name as compound_name', 'r.members', 'r.status', 'r.seq', 'r.created_at', 'r.updated_at', 'ci.checked_in_at'])
      .where('r.activity_id', '=', activityId)
      .orderBy('r.seq')
      .execute();
    const volunteers = await this.db
      .selectFrom('volunteer_signups as s')
      .innerJoin('volunteers as v', 'v.id', 's.volunteer_id')
      .leftJoin('check_ins as ci', (j) => j.onRef('ci.activity_id', '=', 's.activity_id').onRef('ci.person_id', '=', 's.volunteer_id').on('ci.person_kind', '=', 'volunteer'))
      .select(['s.volunteer_id', 'v.name', 's.created_at', 'ci.checked_in_at', 'ci.checked_out_at'])
      .where('s.activity_id', '=', activityId)
      .orderBy('s.created_at')
      .orderBy('s.volunteer_id')
      .execute();
    return {
      families: families.map((r) => ({
        familyId: r.family_id,
        name: r.name,
        compound: r.compound_id,
        compoundName: r.compound_name ?? r.compound_id,
        members: num(r.members),
        status: r.status,
        seq: num(r.seq),
        registeredAt: r.created_at,
        updatedAt: r.updated_at,
        checkedInAt: r.checked_in_at ?? null,
      })),
      volunteers: volunteers.map((r) => ({
        volunteerId: r.volunteer_id,
        name: r.name,
        signedUpAt: r.created_at,
        checkedInAt: r.checked_in_at ?? null,
        checkedOutAt: r.checked_out_at ?? null,
      })),
    };
  }

  /** The activity's check-ins with each person's name, in order of arrival. */
  async checkIns(activityId: string): Promise<CheckInView[]> {
    const rows = await this.db
      .selectFrom('check_ins as c')
      .leftJoin('families as f', (j) => j.onRef('f.id', '=', 'c.person_id').on('c.person_kind', '=', 'family'))
      .leftJoin('volunteers as v', (j) => j.onRef('v.id', '=', 'c.person_id').on('c.person_kind', '=', 'volunteer'))
      .select(['c.person_kind', 'c.person_id', 'c.members', 'c.method', 'c.checked_in_at', 'f.name as family_name', 'v.name as volunteer_name'])
      .where('c.activity_id', '=', activityId)
      .orderBy('c.checked_in_at')
      .orderBy('c.id')
      .execute();
    return rows.map((r) => ({
      personKind: r.person_kind,
      personId: r.person_id,
      name: r.family_name ?? r.volunteer_name ?? r.person_id,
      members: num(r.members),
      method: r.method,
      at: r.checked_in_at,
    }));
  }

  /** The activity's ledger entries with each holder's name, oldest first. */
  async pointsEntries(activityId: string): Promise<PointsView[]> {
    const rows = await this.db
      .selectFrom('points_entries as p')
      .leftJoin('families as f', (j) => j.onRef('f.id', '=', 'p.holder_id').on('p.holder_kind', '=', 'family'))
      .leftJoin('volunteers as v', (j) => j.onRef('v.id', '=', 'p.holder_id').on('p.holder_kind', '=', 'volunteer'))
      .select(['p.holder_kind', 'p.holder_id', 'p.kind', 'p.rule', 'p.amount', 'p.created_at', 'f.name as family_name', 'v.name as volunteer_name'])
      .where('p.activity_id', '=', activityId)
      .orderBy('p.created_at')
      .orderBy('p.id')
      .execute();
    return rows.map((r) => ({
      holderKind: r.holder_kind,
      holderId: r.holder_id,
      name: r.family_name ?? r.volunteer_name ?? r.holder_id,
      kind: r.kind,
      rule: r.rule,
      amount: num(r.amount),
      at: r.created_at,
    }));
  }

  /** The activity's check-ins for the desk, with names and the staff member who checked each in, in order of arrival. */
  async deskCheckIns(activityId: string, person?: { kind: 'family' | 'volunteer'; id: string }): Promise<DeskCheckIn[]> {
    let q = this.db
      .selectFrom('check_ins as c')
      .leftJoin('families as f', (j) => j.onRef('f.id', '=', 'c.person_id').on('c.person_kind', '=', 'family'))
      .leftJoin('volunteers as v', (j) => j.onRef('v.id', '=', 'c.person_id').on('c.person_kind', '=', 'volunteer'))
      .leftJoin('staff as s', 's.id', 'c.checked_in_by')
      .select(['c.person_kind', 'c.person_id', 'c.members', 'c.method', 'c.checked_in_at', 'c.checked_out_at', 'f.name as family_name', 'v.name as volunteer_name', 's.name as staff_name'])
      .where('c.activity_id', '=', activityId);
    if (person) q = q.where('c.person_kind', '=', person.kind).where('c.person_id', '=', person.id);
    const rows = await q.orderBy('c.checked_in_at').orderBy('c.id').execute();
    return rows.map((r) => ({
      personKind: r.person_kind,
      personId: r.person_id,
      name: r.family_name ?? r.volunteer_name ?? r.person_id,
      members: num(r.members),
      method: r.method,
      at: r.checked_in_at,
      checkedOutAt: r.checked_out_at ?? null,
      byName: r.staff_name ?? null,
    }));
  }

  /** Activities whose check-in window is open now, of one compound or of all, soonest first. */
  async openForCheckIn(compound?: string): Promise<OpenForCheckIn[]> {
    let q = this.db.selectFrom('activities').select(['id', 'title', 'compound_id', 'starts_at', 'ends_at']).where('attendance_state', '=', 'open');
    if (compound !== undefined) q = q.where('compound_id', '=', compound);
    const rows = await q.orderBy('starts_at').orderBy('id').limit(50).execute();
    return rows.map((r) => ({ id: r.id, title: r.title, compound: r.compound_id, startsAt: r.starts_at, endsAt: r.ends_at }));
  }
}
