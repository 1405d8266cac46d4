/** Small builders for the database tests. */
import type { Kysely } from 'kysely';
import { Directory } from '../../db/services/directory';
import { SqlActivityStore } from '../../db/store';
import type { Database, FamiliesTable, VolunteersTable } from '../../db/types';
import { uniq } from './harness';

export interface World {
  compoundId: string;
  families: string[];
  volunteers: string[];
  activityId: string;
}

/** A compound with `families` families (2 members each) and `volunteers` volunteers, and one activity. */
export async function seedWorld(
  db: Kysely<Database>,
  opts: { families?: number; volunteers?: number; capacity?: number; startsAt?: string; endsAt?: string } = {},
): Promise<World> {
  const dir = new Directory(db);
  const p = uniq('w');
  const compoundId = `${p}-c`;
  await dir.createCompound({ id: compoundId, name: `锦华小区 ${p}` });
  const families: string[] = [];
  for (let i = 0; i < (opts.families ?? 3); i++) {
    const id = `${p}-f${i}`;
    await dir.createFamily({ id, compoundId, name: `家庭 ${i}`, email: `f${i}@example.com`, members: 2, qrToken: `qr-${p}-f${i}` });
    families.push(id);
  }
  const volunteers: string[] = [];
  for (let i = 0; i < (opts.volunteers ?? 2); i++) {
    const id = `${p}-v${i}`;
    await dir.createVolunteer({ id, name: `志愿者 ${i}`, email: `v${i}@example.com`, locale: 'en', compoundId, qrToken: `qr-${p}-v${i}` });
    volunteers.push(id);
  }
  const activityId = `${p}-a`;
  await new SqlActivityStore(db).upsertActivity({
    activityId,
    cycleId: `${p}-cycle`,
    compound: compoundId,
    title: '邻里节·亲子运动会',
    startsAt: opts.startsAt ?? '2025-05-10T09:00:00+08:00',
    endsAt: opts.endsAt ?? '2025-05-10T12:00:00+08:00',
    capacity: opts.capacity ?? 100,
    stage: 'reminders',
  });
  return { compoundId, families, volunteers, activityId };
}

/** A volunteer's profession (migration 016) is optional when seeding. */
type SeededPerson<T> = Omit<T, 'locale' | 'qr_token' | 'deactivated_at' | 'profession'> & { profession?: string | null };

/** Inserts the harnesses' families and volunteers as they all seed them: zh-CN, QR token `qr-<id>`. */
export async function insertPeople(
  db: Kysely<Database>,
  people: { families?: readonly SeededPerson<FamiliesTable>[]; volunteers?: readonly SeededPerson<VolunteersTable>[] },
): Promise<void> {
  const seeded = <P extends { id: string }>(p: P) => ({ ...p, locale: 'zh-CN' as const, qr_token: `qr-${p.id}` });
  if (people.families?.length) await db.insertInto('families').values(people.families.map(seeded)).execute();
  if (people.volunteers?.length) await db.insertInto('volunteers').values(people.volunteers.map(seeded)).execute();
}
