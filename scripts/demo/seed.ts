/**
 * Seeds the demo community (./data.ts) into an empty database, through the product's own HTTP API
 * with a coordinator's token: the directory, the rewards, one running incubation cycle with its
 * milestones and a sponsorship, and four themed activities left at different stages (registration
 * open with families registered, waiting for the grid worker, waiting on a merchant's venue answer,
 * sent back for changes). Everything obeys the same rules as a person's requests.
 *
 * A database that holds anything already (any directory record, cycle or activity) is never
 * touched: seedDemo says so and returns.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/types';
import {
  DEMO_COMPOUNDS,
  DEMO_COORDINATOR_ID,
  DEMO_DONE_MILESTONE,
  DEMO_FAMILIES,
  DEMO_MERCHANTS,
  DEMO_REWARDS,
  DEMO_SPONSORSHIP,
  DEMO_STAFF,
  DEMO_VENUES,
  DEMO_VOLUNTEERS,
  demoActivities,
  demoCycle,
  type DemoActivity,
  type DemoStage,
} from './data';

/** The tables whose rows mean "someone already uses this database". */
export const DEMO_GUARD_TABLES = ['compounds', 'staff', 'families', 'volunteers', 'merchants', 'venues', 'rewards', 'cycles', 'activities'] as const;

export interface SeedDemoOptions {
  /** The API's origin, e.g. http://localhost:3000. */
  baseUrl: string;
  /** A coordinator's bearer token, acting as DEMO_COORDINATOR_ID. */
  token: string;
  db: Kysely<Database>;
  now?: () => Date;
  /** How long to wait for each activity to reach its stage. */
  stageTimeoutMs?: number;
}

export interface SeededActivity {
  activityId: string;
  title: string;
  compound: string;
  startsAt: string;
  stage: DemoStage;
  /** The workflow's stage as its status query reports it. */
  workflowStage: string;
}

export type SeedResult =
  | { seeded: false; reason: string }
  | {
      seeded: true;
      counts: { compounds: number; staff: number; families: number; volunteers: number; merchants: number; venues: number; rewards: number };
      cycle: { id: string; name: string; milestones: number };
      activities: SeededActivity[];
    };

/** Rows in each guard table. */
export async function guardTableCounts(db: Kysely<Database>): Promise<Record<(typeof DEMO_GUARD_TABLES)[number], number>> {
  const counts = {} as Record<(typeof DEMO_GUARD_TABLES)[number], number>;
  for (const table of DEMO_GUARD_TABLES) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

class Api {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async call<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    const parsed = (text ? JSON.parse(text) : {}) as T;
    return { status: res.status, body: parsed };
  }

  /** A request that must succeed; anything else stops the seeding with the API's own words. */
  async ok<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await this.call<T>(method, path, body);
    if (res.status >= 300) throw new Error(`demo seed: ${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }
}

interface StatusView {
  stage: string;
  approvalRound: number;
  pending?: { role: string; action: string };
}

/** Polls the activity's status until `done` holds (the workflow moves on its own worker's time). */
async function waitForStatus(api: Api, activityId: string, done: (s: StatusView) => boolean, timeoutMs: number, what: string): Promise<StatusView> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const res = await api.call<StatusView>('GET', `/api/activities/${encodeURIComponent(activityId)}`);
    if (res.status === 200 && done(res.body)) return res.body;
    last = res.body;
    if (Date.now() > deadline) throw new Error(`demo seed: activity ${activityId} did not reach ${what} in ${timeoutMs} ms; last status ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const waitingOn = (role: string) => (s: StatusView) => s.pending?.role === role;

/** Starts one activity and walks it to its demo stage. */
async function seedActivity(api: Api, cycleId: string, spec: DemoActivity, timeoutMs: number): Promise<SeededActivity> {
  const started = await api.ok<{ activityId: string }>('POST', '/api/activities', { cycleId, propertyManagerId: spec.propertyManagerId, plan: spec.plan });
  const id = started.activityId;
  let status: StatusView;
  switch (spec.stage) {
    case 'awaitingMerchant':
      status = await waitForStatus(api, id, (s) => s.stage === 'venueRequest' && s.pending?.role === 'merchant', timeoutMs, 'the merchant’s venue answer');
      break;
    case 'awaitingApproval':
      status = await waitForStatus(api, id, (s) => s.stage === 'approval' && waitingOn('gridWorker')(s), timeoutMs, 'the grid worker’s approval');
      break;
    case 'changesRequested': {
      const asked = await waitForStatus(api, id, (s) => s.stage === 'approval' && waitingOn('gridWorker')(s), timeoutMs, 'approval');
      await api.ok('POST', `/api/activities/${id}/approval`, { round: asked.approvalRound, decision: 'requestChanges', comment: spec.changesComment ?? '请修改后再提交。' });
      status = await waitForStatus(api, id, (s) => s.stage === 'planning', timeoutMs, 'planning (changes requested)');
      break;
    }
    case 'registrationOpen': {
      const asked = await waitForStatus(api, id, (s) => s.stage === 'approval' && waitingOn('gridWorker')(s), timeoutMs, 'approval');
      await api.ok('POST', `/api/activities/${id}/approval`, { round: asked.approvalRound, decision: 'approve', comment: '方案完整，同意开展。' });
      status = await waitForStatus(api, id, (s) => s.stage === 'reminders', timeoutMs, 'registration open');
      for (const r of spec.registrations ?? []) await api.ok('POST', `/api/activities/${id}/registrations`, r);
      for (const volunteerId of spec.volunteers ?? []) await api.ok('POST', `/api/activities/${id}/volunteers`, { volunteerId });
      break;
    }
  }
  return { activityId: id, title: spec.plan.title, compound: spec.plan.compound, startsAt: spec.plan.startsAt, stage: spec.stage, workflowStage: status.stage };
}

/** Seeds the demo community, or nothing at all when the database holds any record already. */
export async function seedDemo(opts: SeedDemoOptions): Promise<SeedResult> {
  const counts = await guardTableCounts(opts.db);
  const used = Object.entries(counts).filter(([, n]) => n > 0);
  if (used.length > 0) {
    return { seeded: false, reason: `the database already holds data (${used.map(([t, n]) => `${t}: ${n}`).join(', ')}); no demo data was added` };
  }
  const now = (opts.now ?? (() => new Date()))();
  const timeoutMs = opts.stageTimeoutMs ?? 60_000;
  const api = new Api(opts.baseUrl, opts.token);

  for (const c of DEMO_COMPOUNDS) await api.ok('POST', '/api/directory/compounds', c);
  for (const s of DEMO_STAFF) await api.ok('POST', '/api/directory/staff', s);
  for (const v of DEMO_VOLUNTEERS) await api.ok('POST', '/api/directory/volunteers', v);
  for (const f of DEMO_FAMILIES) await api.ok('POST', '/api/directory/families', f);
  for (const m of DEMO_MERCHANTS) await api.ok('POST', '/api/directory/merchants', m);
  for (const v of DEMO_VENUES) await api.ok('POST', '/api/directory/venues', v);
  for (const r of DEMO_REWARDS) await api.ok('POST', '/api/rewards', r);

  const cycle = demoCycle(now);
  await api.ok('POST', '/api/cycles', { ...cycle, coordinatorId: DEMO_COORDINATOR_ID });
  await api.ok('POST', `/api/cycles/${cycle.id}/milestones/${DEMO_DONE_MILESTONE.id}`, { notes: DEMO_DONE_MILESTONE.notes });
  await api.ok('POST', `/api/cycles/${cycle.id}/sponsorships`, DEMO_SPONSORSHIP);

  const activities: SeededActivity[] = [];
  for (const spec of demoActivities(now)) activities.push(await seedActivity(api, cycle.id, spec, timeoutMs));

  return {
    seeded: true,
    counts: {
      compounds: DEMO_COMPOUNDS.length,
      staff: DEMO_STAFF.length,
      families: DEMO_FAMILIES.length,
      volunteers: DEMO_VOLUNTEERS.length,
      merchants: DEMO_MERCHANTS.length,
      venues: DEMO_VENUES.length,
      rewards: DEMO_REWARDS.length,
    },
    cycle: { id: cycle.id, name: cycle.name, milestones: cycle.milestones.length },
    activities,
  };
}

const STAGE_WORDS: Record<DemoStage, string> = {
  registrationOpen: '已审批，报名中 / approved, registration open',
  awaitingApproval: '待网格员审批 / waiting for the grid worker’s approval',
  awaitingMerchant: '待商户答复场地 / waiting on the merchant’s venue answer',
  changesRequested: '退回修改，待物业管家修改方案 / changes requested, back with the property manager',
};

const ROLE_WORDS: Record<string, string> = {
  coordinator: '项目协调人 coordinator',
  supervisor: '督导 supervisor',
  propertyManager: '物业管家 property manager',
  gridWorker: '网格员 grid worker',
};

/** What was seeded and how to sign in as each role, for the console. */
export function describeSeed(result: SeedResult, apiUrl: string): string {
  if (!result.seeded) return `Demo data / 演示数据: not seeded — ${result.reason}.\n`;
  const lines = [
    '演示数据已写入 / Demo data seeded:',
    `  Directory:  ${result.counts.compounds} compounds (${DEMO_COMPOUNDS.map((c) => c.name).join('、')}), ${result.counts.staff} staff, ${result.counts.families} families, ${result.counts.volunteers} volunteers, ${result.counts.merchants} merchants, ${result.counts.venues} venues, ${result.counts.rewards} rewards`,
    `  Cycle:      ${result.cycle.name} (${result.cycle.id}), ${result.cycle.milestones} milestones, running`,
    '  Activities:',
    ...result.activities.map((a) => `    - ${a.title} (${DEMO_COMPOUNDS.find((c) => c.id === a.compound)?.name ?? a.compound}): ${STAGE_WORDS[a.stage]}`),
    '',
    `Sign in / 登录: open ${apiUrl}/sign-in, enter an address below, then click the link that arrives at ${apiUrl}/dev/mailbox`,
    // Addresses first: they are ASCII, so they line up (Chinese names are wider than their length).
    ...DEMO_STAFF.map((s) => {
      const compound = s.compoundId ? `，${DEMO_COMPOUNDS.find((c) => c.id === s.compoundId)?.name}` : '';
      return `  ${s.email.padEnd(30)} ${ROLE_WORDS[s.role] ?? s.role} ${s.name}${compound}`;
    }),
    `Merchants and families do not sign in: they act from the links in their emails (e.g. ${DEMO_MERCHANTS[0].name}'s venue request, to ${DEMO_MERCHANTS[0].email}, in the dev mailbox).`,
    '',
  ];
  return lines.join('\n');
}
