/**
 * What the dashboard reads: activities from Temporal visibility (scoped to this deployment's task
 * queue), each running one's status query, and the database's records (titles, outbox, check-ins,
 * ledger, directory). Reads only.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { sql, type Kysely } from 'kysely';
import type { Config } from '../../config';
import type { Database } from '../../db/types';
import { num } from '../../db/util';
import { themedActivityWorkflow } from '../../workflows';
import { ActivityStageKey, ActivityStartsAtKey, CompoundKey, CycleIdKey } from '../../workflows/search-attributes';
import { statusQuery, themedActivityWorkflowId, type ActivityStatus, type Stage } from '../../workflows/themed-activity.api';
import { queryLiteral } from '../activities/routes';

export interface DashboardData {
  client: Client;
  config: Config;
  db: Kysely<Database>;
}

/** One activity as the overview lists it. */
export interface ActivityOverview {
  activityId: string;
  workflowId: string;
  cycleId: string;
  compound: string;
  title: string;
  startsAt?: string;
  stage: Stage | undefined;
  /** Temporal's execution status (RUNNING, COMPLETED, …). */
  executionStatus: string;
  /** The status query's answer, for running activities that answered in time. */
  status?: ActivityStatus;
}

const WORKFLOW_ID_PREFIX = themedActivityWorkflowId('');
/** The overview looks at this many activities at most (newest first). */
export const OVERVIEW_LIMIT = 300;
/** A status query that takes longer than this is left out (the page still renders). */
const QUERY_DEADLINE_MS = 4_000;
const QUERY_CONCURRENCY = 6;

/** The status of one activity, or undefined when there is no such workflow. */
export async function activityStatus(d: DashboardData, activityId: string): Promise<ActivityStatus | undefined> {
  try {
    // A closed workflow is answered by replaying it on a worker: bounded, so a missing worker shows "unavailable".
    return await d.client.connection.withDeadline(Date.now() + 15_000, () => d.client.workflow.getHandle(themedActivityWorkflowId(activityId)).query(statusQuery));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** The workflow's execution status name (RUNNING, COMPLETED, …), or undefined. */
export async function executionStatusOf(d: DashboardData, activityId: string): Promise<string | undefined> {
  try {
    return (await d.client.workflow.getHandle(themedActivityWorkflowId(activityId)).describe()).status.name;
  } catch {
    return undefined;
  }
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return out;
}

/**
 * The activities the viewer may see, newest first: visibility for the list (eventually
 * consistent), the database for titles, and the status query for the running ones.
 */
export async function listActivities(d: DashboardData, scope: { compound?: string; cycleId?: string }): Promise<{ activities: ActivityOverview[]; truncated: boolean }> {
  const clauses = [`WorkflowType = ${queryLiteral(themedActivityWorkflow.name)}`, `TaskQueue = ${queryLiteral(d.config.temporal.taskQueue)}`];
  if (scope.compound !== undefined) clauses.push(`${CompoundKey.name} = ${queryLiteral(scope.compound)}`);
  if (scope.cycleId !== undefined) clauses.push(`${CycleIdKey.name} = ${queryLiteral(scope.cycleId)}`);
  const found: Omit<ActivityOverview, 'title'>[] = [];
  let truncated = false;
  for await (const wf of d.client.workflow.list({ query: clauses.join(' AND '), pageSize: 100 })) {
    if (found.length >= OVERVIEW_LIMIT) {
      truncated = true;
      break;
    }
    const startsAt = wf.typedSearchAttributes.get(ActivityStartsAtKey);
    found.push({
      activityId: wf.workflowId.startsWith(WORKFLOW_ID_PREFIX) ? wf.workflowId.slice(WORKFLOW_ID_PREFIX.length) : wf.workflowId,
      workflowId: wf.workflowId,
      cycleId: wf.typedSearchAttributes.get(CycleIdKey) ?? '',
      compound: wf.typedSearchAttributes.get(CompoundKey) ?? '',
      ...(startsAt ? { startsAt: startsAt.toISOString() } : {}),
      stage: wf.typedSearchAttributes.get(ActivityStageKey) as Stage | undefined,
      executionStatus: wf.status.name,
    });
  }
  const titles = new Map<string, { title: string; stage: string }>();
  for (let i = 0; i < found.length; i += 200) {
    const ids = found.slice(i, i + 200).map((a) => a.activityId);
    const rows = await d.db.selectFrom('activities').select(['id', 'title', 'stage']).where('id', 'in', ids).execute();
    for (const r of rows) titles.set(r.id, { title: r.title, stage: r.stage });
  }
  const activities = await mapLimited(found, QUERY_CONCURRENCY, async (a): Promise<ActivityOverview> => {
    const row = titles.get(a.activityId);
    const base: ActivityOverview = { ...a, title: row?.title ?? a.activityId, stage: a.stage ?? (row?.stage as Stage | undefined) };
    if (a.executionStatus !== 'RUNNING') return base;
    try {
      const status = await d.client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
        d.client.workflow.getHandle(a.workflowId).query(statusQuery),
      );
      return { ...base, status, stage: status.stage, title: status.plan.title, ...(status.plan.startsAt ? { startsAt: status.plan.startsAt } : {}) };
    } catch {
      return base;
    }
  });
  return { activities, truncated };
}

// ---- the database's records -------------------------------------------------------------------

export interface OutboxEntry {
  purpose: string;
  recipientKey: string;
  status: 'pending' | 'sent';
  at: string;
}

export async function outboxOf(db: Kysely<Database>, activityId: string): Promise<OutboxEntry[]> {
  const rows = await db
    .selectFrom('email_outbox')
    .select(['purpose', 'recipient_key', 'status', 'created_at', 'sent_at'])
    .where('activity_id', '=', activityId)
    .orderBy('created_at')
    .orderBy('key')
    .execute();
  return rows.map((r) => ({ purpose: r.purpose, recipientKey: r.recipient_key, status: r.status, at: r.sent_at ?? r.created_at }));
}

export interface CheckInView {
  personKind: 'family' | 'volunteer';
  personId: string;
  name: string;
  members: number;
  method: string;
  at: string;
}

export async function checkInsOf(db: Kysely<Database>, activityId: string): Promise<CheckInView[]> {
  const rows = await db
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

export interface PointsView {
  holderKind: 'family' | 'volunteer';
  holderId: string;
  name: string;
  kind: string;
  rule: string | null;
  amount: number;
  at: string;
}

export async function pointsOf(db: Kysely<Database>, activityId: string): Promise<PointsView[]> {
  const rows = await db
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

export interface LeaderboardRow {
  familyId: string;
  name: string;
  compound: string;
  balance: number;
  earned: number;
}

/** Families by current balance (SUM of their ledger entries), highest first; families without entries are left out. */
export async function leaderboard(db: Kysely<Database>, compound: string | undefined, limit = 100): Promise<LeaderboardRow[]> {
  let q = db
    .selectFrom('points_entries as p')
    .innerJoin('families as f', 'f.id', 'p.holder_id')
    .select((eb) => [
      'f.id',
      'f.name',
      'f.compound_id',
      eb.fn.sum<string | number | null>('p.amount').as('balance'),
      sql<string | number | null>`sum(case when p.kind = 'award' then p.amount else 0 end)`.as('earned'),
    ])
    .where('p.holder_kind', '=', 'family');
  if (compound !== undefined) q = q.where('f.compound_id', '=', compound);
  const rows = await q
    .groupBy(['f.id', 'f.name', 'f.compound_id'])
    .orderBy('balance', 'desc')
    .orderBy('f.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ familyId: r.id, name: r.name, compound: r.compound_id, balance: num(r.balance), earned: num(r.earned) }));
}

export async function compoundNames(db: Kysely<Database>): Promise<Map<string, string>> {
  const rows = await db.selectFrom('compounds').select(['id', 'name']).orderBy('id').execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Who a recipient key (`staff:…`, `family:…`, `volunteer:…`, `merchant:…`) is: name, and the address for those allowed to see it. */
export interface Person {
  name: string;
  email?: string;
}

export async function peopleByKey(db: Kysely<Database>, keys: Iterable<string>, status: ActivityStatus | undefined): Promise<Map<string, Person>> {
  const ids: Record<'staff' | 'family' | 'volunteer' | 'merchant', Set<string>> = { staff: new Set(), family: new Set(), volunteer: new Set(), merchant: new Set() };
  for (const key of keys) {
    const m = /^(staff|family|volunteer|merchant):(.+)$/.exec(key);
    if (m) ids[m[1] as keyof typeof ids].add(m[2] as string);
  }
  const out = new Map<string, Person>();
  const load = async (table: 'staff' | 'families' | 'volunteers' | 'merchants', kind: keyof typeof ids) => {
    const list = [...ids[kind]];
    for (let i = 0; i < list.length; i += 200) {
      const rows = await db.selectFrom(table).select(['id', 'name', 'email']).where('id', 'in', list.slice(i, i + 200)).execute();
      for (const r of rows) out.set(`${kind}:${r.id}`, { name: r.name, email: r.email });
    }
  };
  await load('staff', 'staff');
  await load('families', 'family');
  await load('volunteers', 'volunteer');
  await load('merchants', 'merchant');
  // Merchants of the plan may not be in the directory: the plan names them.
  const venue = status?.plan.venue;
  if (venue?.kind === 'merchant') {
    for (const c of venue.candidateMerchants) if (!out.has(`merchant:${c.id}`)) out.set(`merchant:${c.id}`, { name: c.name, email: c.email });
  }
  return out;
}

/** Staff names by id (for "waiting on whom"). */
export async function staffNames(db: Kysely<Database>, ids: Iterable<string>): Promise<Map<string, string>> {
  const list = [...new Set(ids)];
  if (list.length === 0) return new Map();
  const rows = await db.selectFrom('staff').select(['id', 'name']).where('id', 'in', list).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Where to open a workflow in the Temporal web UI. */
export function temporalUiUrl(config: Config, workflowId: string): string {
  const base = (config.temporal.uiUrl ?? `http://localhost:${config.temporal.uiPort}`).replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
