/**
 * Data for the people-API tests. Activities are written straight into the store: in the product
 * the themed-activity workflow records its activity (recordActivity → upsertActivity) and flips
 * its attendance window (openAttendance / closeAttendance); here the store calls stand in for that
 * workflow, so a test can open and close the window without waiting for one.
 */
import type { Kysely } from 'kysely';
import { Directory } from '../../db/services/directory';
import { Ledger } from '../../db/services/ledger';
import { SqlActivityStore } from '../../db/store';
import type { Database } from '../../db/types';
import { DAY, HOUR, unique } from './harness';

export interface SeededActivity {
  id: string;
  startsAt: string;
  endsAt: string;
}

/** An activity in `compound` starting in 10 days, attendance not open (as after approval). */
export async function seedActivity(db: Kysely<Database>, opts: { compound?: string; capacity?: number; startsInMs?: number } = {}): Promise<SeededActivity> {
  const id = unique('act');
  const startsAt = new Date(Date.now() + (opts.startsInMs ?? 10 * DAY));
  startsAt.setUTCSeconds(0, 0);
  const endsAt = new Date(startsAt.getTime() + 2 * HOUR);
  // Stands in for the workflow's own recordActivity.
  await new SqlActivityStore(db).upsertActivity({
    activityId: id,
    cycleId: 'cycle-test',
    compound: opts.compound ?? 'c-east',
    title: '邻里节·亲子运动会',
    startsAt: startsAt.toISOString(),
    endsAt: endsAt.toISOString(),
    capacity: opts.capacity ?? 80,
    stage: 'reminders',
  });
  return { id, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() };
}

/** Opens the check-in window, as the workflow's attendance stage does through the same store. */
export async function openWindow(db: Kysely<Database>, a: SeededActivity): Promise<void> {
  await new SqlActivityStore(db).openAttendance(a.id, {
    opensAt: new Date(Date.parse(a.startsAt) - 30 * 60_000).toISOString(),
    closesAt: new Date(Date.parse(a.endsAt) + 30 * 60_000).toISOString(),
  });
}

/** Closes it, as the workflow does when the window ends (the tally is taken). */
export async function closeWindow(db: Kysely<Database>, a: SeededActivity): Promise<void> {
  await new SqlActivityStore(db).closeAttendance(a.id);
}

export interface SeededFamily {
  id: string;
  email: string;
  qrToken: string;
  name: string;
}

export async function seedFamily(db: Kysely<Database>, opts: { compound?: string; members?: number; name?: string } = {}): Promise<SeededFamily> {
  const id = unique('fam');
  const email = `${id}@example.test`;
  const f = await new Directory(db).createFamily({ id, compoundId: opts.compound ?? 'c-east', name: opts.name ?? `家庭 ${id}`, email, members: opts.members ?? 2 });
  return { id, email, qrToken: f.qrToken, name: f.name };
}

export async function seedVolunteer(db: Kysely<Database>, opts: { compound?: string } = {}): Promise<{ id: string; qrToken: string }> {
  const id = unique('vol');
  const v = await new Directory(db).createVolunteer({ id, name: `志愿者 ${id}`, email: `${id}@example.test`, compoundId: opts.compound ?? 'c-east' });
  return { id, qrToken: v.qrToken };
}

/** Points a family earned (a ledger award, as the workflow's points stage writes them). */
export async function award(db: Kysely<Database>, familyId: string, amount: number): Promise<void> {
  await new Ledger(db).award({ holder: { kind: 'family', id: familyId }, amount, idempotencyKey: unique('award'), rule: 'attendance' });
}

export async function checkInRows(db: Kysely<Database>, activityId: string) {
  return db.selectFrom('check_ins').selectAll().where('activity_id', '=', activityId).execute();
}
