/**
 * The read model's rows (migration 017) on SQLite and PostgreSQL: a workflow write that lands after
 * a newer one changes nothing, a page's backfill never covers what a workflow wrote, and the
 * lists page through every activity — none left out, none twice — in their order.
 */
import { SqlActivityStore } from '../../db/store';
import { ActivityRepository } from '../../db/repositories/activities';
import { statusOf, seedReadModel, waitingApprovals, type SeededActivity } from '../support/read-model-fixtures';
import { DIALECTS, uniq, useTestDatabase } from './harness';

const DAY = 86_400_000;

describe.each(DIALECTS)('the read model on %s', (dialect) => {
  const t = useTestDatabase(dialect);

  function one(over: Partial<SeededActivity> = {}): SeededActivity {
    return { activityId: uniq('rm'), cycleId: uniq('cy'), compound: 'c1', title: '邻里节', startsAt: new Date(Date.now() + 3 * DAY).toISOString(), stage: 'approval', ...over };
  }

  async function write(a: SeededActivity, seq: number): Promise<void> {
    const status = statusOf(a);
    await new SqlActivityStore(t.db).upsertActivity({ activityId: a.activityId, cycleId: a.cycleId, compound: a.compound, title: a.title, startsAt: a.startsAt, endsAt: status.plan.endsAt, capacity: 40, stage: a.stage, status, statusSeq: seq });
  }

  it('keeps the newer of two workflow writes whichever lands last, with its pending columns', async () => {
    const a = one();
    const newer = { ...a, stage: 'reminders' as const, pending: { role: 'families' as const, action: 'register' as const, dueAt: '2030-01-01T00:00:00.000Z' } };
    await write(newer, 2);
    await write({ ...a, pending: { role: 'gridWorker', actorId: 'gw-1', action: 'decideApproval' } }, 1);
    const row = await t.db.selectFrom('activities').selectAll().where('id', '=', a.activityId).executeTakeFirstOrThrow();
    expect(JSON.parse(row.status_json!).stage).toBe('reminders');
    expect(row).toMatchObject({ status_seq: 2, pending_action: 'register', pending_role: 'families', pending_actor_id: null, pending_due_at: '2030-01-01T00:00:00.000Z' });
  });

  it('a backfill fills only a row no workflow wrote, and the workflow’s first write replaces it', async () => {
    const repo = new ActivityRepository(t.db);
    const written = one();
    await write(written, 1);
    await repo.backfillStatus(written.activityId, statusOf({ ...written, stage: 'planning' }));
    expect((await repo.readModel(written.activityId))?.status?.stage).toBe('approval');

    // A run from before the read model: its row has no status until a page asks it once.
    const old = one();
    await new SqlActivityStore(t.db).upsertActivity({ activityId: old.activityId, cycleId: old.cycleId, compound: 'c1', title: old.title, startsAt: old.startsAt, endsAt: old.startsAt, capacity: 40, stage: 'approval' });
    expect((await repo.unseenOpen({ cycleId: old.cycleId }, 10)).map((r) => r.id)).toEqual([old.activityId]);
    await repo.backfillStatus(old.activityId, statusOf(old));
    expect(await repo.unseenOpen({ cycleId: old.cycleId }, 10)).toEqual([]);
    expect((await repo.readModel(old.activityId))?.status?.stage).toBe('approval');
    await write({ ...old, stage: 'reminders' }, 1);
    expect((await repo.readModel(old.activityId))?.status?.stage).toBe('reminders');
  });

  it('pages through every activity of a scope, and the waiting list overdue first then by due time', async () => {
    const repo = new ActivityRepository(t.db);
    const cycleId = uniq('cy-many');
    const now = Date.now();
    // 130 waiting, the first 20 overdue; 5 completed (never waiting); 7 in another compound.
    const waiting = waitingApprovals(130, { prefix: uniq('w'), cycleId, compound: 'c-many', gridWorkerId: 'gw-m', firstDueMs: now - 20 * 60_000 + 30_000 });
    const done = Array.from({ length: 5 }, (_, i) => one({ activityId: `${cycleId}-done-${i}`, cycleId, compound: 'c-many', stage: 'completed' }));
    const elsewhere = Array.from({ length: 7 }, (_, i) => one({ activityId: `${cycleId}-else-${i}`, cycleId, compound: 'c-else', pending: { role: 'gridWorker', actorId: 'gw-e', action: 'decideApproval' } }));
    await seedReadModel(t.db, [...waiting, ...done, ...elsewhere]);

    const seen: string[] = [];
    for (let offset = 0; ; offset += 50) {
      const page = await repo.activitiesPage({ compound: 'c-many', cycleId }, 50, offset);
      expect(page.total).toBe(135);
      if (page.rows.length === 0) break;
      seen.push(...page.rows.map((r) => r.id));
    }
    expect(seen).toHaveLength(135);
    expect(new Set(seen)).toEqual(new Set([...waiting, ...done].map((a) => a.activityId)));
    // One cycle: the latest start first.
    const starts = seen.map((id) => [...waiting, ...done].find((a) => a.activityId === id)!.startsAt);
    expect([...starts].sort().reverse()).toEqual(starts);

    const waits: string[] = [];
    for (let offset = 0; ; offset += 50) {
      const page = await repo.waitingPage({ compound: 'c-many', cycleId }, 50, offset);
      expect(page.total).toBe(130);
      if (page.rows.length === 0) break;
      waits.push(...page.rows.map((r) => r.id));
    }
    // Due one minute apart from 19.5 minutes ago: overdue first, earliest due first — the seeding order.
    expect(waits).toEqual(waiting.map((a) => a.activityId));

    expect((await repo.waitingOn('gw-m', 'decideApproval', { cycleId })).map((r) => r.id)).toEqual(waiting.map((a) => a.activityId));
    expect(await repo.waitingOn('gw-m', 'decideApproval', { compound: 'c-else' })).toEqual([]);
  });
});
