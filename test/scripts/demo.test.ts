/**
 * `npm run demo`'s seeding (scripts/demo/seed.ts) against the real app: SQLite, the dev mailbox, a
 * worker running the themed-activity and incubation-cycle workflows on the shared dev server. An
 * empty database gets the demo community with its activities at their stages; a database in use
 * gets nothing, proved by its row counts.
 */
import { createCycleActivities, visibilityCycleActivityLister } from '../../activities/cycle';
import type { Database } from '../../db/types';
import { DEMO_COMPOUNDS, DEMO_COORDINATOR_ID, DEMO_CYCLE_ID, DEMO_FAMILIES, DEMO_MERCHANTS, DEMO_STAFF, demoActivities } from '../../scripts/demo/data';
import { DEMO_GUARD_TABLES, describeSeed, guardTableCounts, seedDemo, type SeedResult } from '../../scripts/demo/seed';
import { startAppHarness, type AppHarness } from '../support/app-harness';

const TOKEN = 'demo-test-coordinator-token-0001';
const coordinator = DEMO_STAFF.find((s) => s.id === DEMO_COORDINATOR_ID);

/** The harness wants one staff member and token; the demo's own token replaces its STAFF_TOKENS. */
const PLACEHOLDER = {
  staff: { other: { id: 'pm-other', role: 'propertyManager' as const, name: '外部管家', email: 'pm-other@example.test', compound: 'c-east' } },
  tokens: { other: 'placeholder-token-not-used-000001' },
};

let h: AppHarness;
let first: SeedResult;

/** Every row of the tables a seed could write to. */
async function allCounts(): Promise<Record<string, number>> {
  const tables: (keyof Database)[] = [...DEMO_GUARD_TABLES, 'registrations', 'volunteer_signups', 'cycle_milestones', 'sponsorships', 'email_outbox', 'points_entries'];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await h.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

beforeAll(async () => {
  h = await startAppHarness({
    tmpPrefix: 'cogov-demo-',
    taskQueuePrefix: 'demo-test-',
    linkSecret: 'demo-test-link-secret-0123456789abcdef',
    mailFrom: 'noreply@demo.test',
    messageIdDomain: 'demo.test',
    // The harness always writes two compounds and its staff (removed below); the token is the demo's.
    staff: PLACEHOLDER.staff,
    tokens: PLACEHOLDER.tokens,
    env: { STAFF_TOKENS: JSON.stringify([{ token: TOKEN, role: 'coordinator', staffId: DEMO_COORDINATOR_ID, name: coordinator?.name }]) },
    worker: true,
    extraActivities: ({ db, store, mailer, client, baseUrl }) =>
      createCycleActivities({ db, store, mailer, listCycleActivities: visibilityCycleActivityLister(client), publicBaseUrl: baseUrl, messageIdDomain: 'demo.test' }),
    seed: async (db) => {
      // Start from an empty directory, as a first `npm run demo` does.
      await db.deleteFrom('staff').execute();
      await db.deleteFrom('compounds').execute();
    },
  });
  first = await seedDemo({ baseUrl: h.baseUrl, token: TOKEN, db: h.db });
}, 180_000);

afterAll(async () => {
  await h?.close();
});

test('an empty database gets the demo directory: compounds, the three-heads team, families, merchants with venues, rewards', async () => {
  expect(first.seeded).toBe(true);
  const compounds = await h.db.selectFrom('compounds').select(['id', 'name']).orderBy('id').execute();
  expect(compounds).toEqual([...DEMO_COMPOUNDS].sort((a, b) => a.id.localeCompare(b.id)));
  const staff = await h.db.selectFrom('staff').select(['role']).execute();
  const roles = staff.map((s) => s.role);
  for (const role of ['coordinator', 'supervisor', 'propertyManager', 'gridWorker']) expect(roles).toContain(role);
  // Each compound has its property manager and its grid worker.
  for (const c of DEMO_COMPOUNDS) {
    const own = await h.db.selectFrom('staff').select('role').where('compound_id', '=', c.id).execute();
    expect(own.map((s) => s.role).sort()).toEqual(['gridWorker', 'propertyManager']);
  }
  expect(Number((await h.db.selectFrom('families').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(DEMO_FAMILIES.length);
  const merchantVenues = await h.db.selectFrom('venues').select('merchant_id').where('merchant_id', 'is not', null).execute();
  expect(merchantVenues.length).toBeGreaterThan(0);
  expect((await h.db.selectFrom('rewards').selectAll().execute()).map((r) => r.kind).sort()).toEqual(expect.arrayContaining(['education', 'merchantCoupon']));
});

test('the cycle runs with its milestones, the kick-off recorded done', async () => {
  const res = await fetch(`${h.baseUrl}/api/cycles/${DEMO_CYCLE_ID}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  const progress = (await res.json()) as { closed: boolean; milestones: { id: string; state: string }[] };
  expect(progress.closed).toBe(false);
  expect(progress.milestones.map((m) => m.id)).toEqual(['kickoff-training', 'midterm-supervision', 'activity-review', 'experience-sharing']);
  expect(progress.milestones.find((m) => m.id === 'kickoff-training')?.state).toBe('done');
  expect(progress.milestones.find((m) => m.id === 'midterm-supervision')?.state).toBe('pending');
  const sponsorships = await h.db.selectFrom('sponsorships').select(['cycle_id', 'merchant_id']).execute();
  expect(sponsorships).toEqual([expect.objectContaining({ cycle_id: DEMO_CYCLE_ID, merchant_id: 'mer-wanda' })]);
});

test('the four activities wait at their stages: registration open with families, the grid worker, the merchant, the property manager', async () => {
  if (!first.seeded) throw new Error('not seeded');
  const byStage = Object.fromEntries(first.activities.map((a) => [a.stage, a]));
  expect(first.activities).toHaveLength(demoActivities(new Date()).length);
  const status = async (id: string) =>
    (await (await fetch(`${h.baseUrl}/api/activities/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { stage: string; pending?: { role: string; action: string } };

  const open = await status(byStage.registrationOpen!.activityId);
  expect(open.stage).toBe('reminders');
  const registrations = await h.db.selectFrom('registrations').select(['family_id', 'status']).where('activity_id', '=', byStage.registrationOpen!.activityId).execute();
  expect(registrations.length).toBe(4);
  expect(registrations.every((r) => r.status === 'registered')).toBe(true);
  const signups = await h.db.selectFrom('volunteer_signups').select('volunteer_id').where('activity_id', '=', byStage.registrationOpen!.activityId).execute();
  expect(signups.length).toBe(2);

  const approval = await status(byStage.awaitingApproval!.activityId);
  expect(approval.stage).toBe('approval');
  expect(approval.pending?.role).toBe('gridWorker');

  const venue = await status(byStage.awaitingMerchant!.activityId);
  expect(venue.stage).toBe('venueRequest');
  expect(venue.pending?.role).toBe('merchant');

  const changes = await status(byStage.changesRequested!.activityId);
  expect(changes.stage).toBe('planning');
  expect(changes.pending?.role).toBe('propertyManager');

  // The grid worker's approval request and the merchant's venue request arrive in the dev mailbox.
  const gridWorker = DEMO_STAFF.find((s) => s.id === 'gw-jinhua-garden');
  await h.mailbox.waitFor((m) => m.to.includes(gridWorker?.email ?? '-'), 20_000);
  await h.mailbox.waitFor((m) => m.to.includes(DEMO_MERCHANTS[0].email), 20_000);
});

test('the summary names each role’s sign-in address', () => {
  const text = describeSeed(first, 'http://localhost:3000');
  for (const s of DEMO_STAFF) expect(text).toContain(s.email);
  expect(text).toContain('http://localhost:3000/sign-in');
  expect(text).toContain('http://localhost:3000/dev/mailbox');
});

test('a second run finds the database in use and seeds nothing', async () => {
  const before = await allCounts();
  const second = await seedDemo({ baseUrl: h.baseUrl, token: TOKEN, db: h.db });
  expect(second.seeded).toBe(false);
  expect(await allCounts()).toEqual(before);
  expect(before.compounds).toBe(DEMO_COMPOUNDS.length);
});

test('a database with only a directory of its own is left untouched', async () => {
  // The harness's own two compounds, nothing else: already "in use".
  const other = await startAppHarness({
    tmpPrefix: 'cogov-demo-used-',
    taskQueuePrefix: 'demo-used-test-',
    linkSecret: 'demo-test-link-secret-0123456789abcdef',
    mailFrom: 'noreply@demo.test',
    messageIdDomain: 'demo.test',
    staff: PLACEHOLDER.staff,
    tokens: PLACEHOLDER.tokens,
    env: { STAFF_TOKENS: JSON.stringify([{ token: TOKEN, role: 'coordinator', staffId: DEMO_COORDINATOR_ID, name: coordinator?.name }]) },
    worker: false,
  });
  try {
    const before = await guardTableCounts(other.db);
    const result = await seedDemo({ baseUrl: other.baseUrl, token: TOKEN, db: other.db });
    expect(result).toEqual({ seeded: false, reason: expect.stringContaining('compounds: 2, staff: 1') });
    expect(await guardTableCounts(other.db)).toEqual(before);
    expect(describeSeed(result, other.baseUrl)).toContain('not seeded');
  } finally {
    await other.close();
  }
});
