/**
 * What the dashboard reads: activities from Temporal visibility (scoped to this deployment's task
 * queue), each running one's status query, and the database's records (titles, outbox, check-ins,
 * ledger, directory). Reads only.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../../config';
import type { CheckInView, LeaderboardRow, OutboxEntry, PeopleTable, PointsView, Repositories } from '../../db/repositories';
import { themedActivityWorkflow } from '../../workflows';
import { ActivityStageKey, ActivityStartsAtKey, CompoundKey, CycleIdKey } from '../../workflows/search-attributes';
import { statusQuery } from '../../workflows/themed-activity.api';
import { themedActivityWorkflowId, type ActivityStatus, type Stage } from '../../domain/activity';
import { queryLiteral } from '../http/visibility';

export interface DashboardData {
  client: Client;
  config: Config;
  repos: Repositories;
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
  const titles = await d.repos.activities.titlesAndStages(found.map((a) => a.activityId));
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

export type { CheckInView, LeaderboardRow, OutboxEntry, PointsView };

export async function outboxOf(repos: Repositories, activityId: string): Promise<OutboxEntry[]> {
  return repos.activities.outbox(activityId);
}

export async function checkInsOf(repos: Repositories, activityId: string): Promise<CheckInView[]> {
  return repos.activities.checkIns(activityId);
}

export async function pointsOf(repos: Repositories, activityId: string): Promise<PointsView[]> {
  return repos.activities.pointsEntries(activityId);
}

/** Families by current balance (SUM of their ledger entries), highest first; families without entries are left out. */
export async function leaderboard(repos: Repositories, compound: string | undefined, limit = 100): Promise<LeaderboardRow[]> {
  return repos.points.leaderboard(compound, limit);
}

export async function compoundNames(repos: Repositories): Promise<Map<string, string>> {
  return repos.people.compoundNames();
}

/** Who a recipient key (`staff:…`, `family:…`, `volunteer:…`, `merchant:…`) is: name, and the address for those allowed to see it. */
export interface Person {
  name: string;
  email?: string;
}

export async function peopleByKey(repos: Repositories, keys: Iterable<string>, status: ActivityStatus | undefined): Promise<Map<string, Person>> {
  const ids: Record<'staff' | 'family' | 'volunteer' | 'merchant', Set<string>> = { staff: new Set(), family: new Set(), volunteer: new Set(), merchant: new Set() };
  for (const key of keys) {
    const m = /^(staff|family|volunteer|merchant):(.+)$/.exec(key);
    if (m) ids[m[1] as keyof typeof ids].add(m[2] as string);
  }
  const out = new Map<string, Person>();
  const load = async (table: PeopleTable, kind: keyof typeof ids) => {
    for (const r of await repos.people.namesAndEmails(table, [...ids[kind]])) out.set(`${kind}:${r.id}`, { name: r.name, email: r.email });
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
export async function staffNames(repos: Repositories, ids: Iterable<string>): Promise<Map<string, string>> {
  return repos.staff.namesByIds(ids);
}

/** Where to open a workflow in the Temporal web UI. */
export function temporalUiUrl(config: Config, workflowId: string): string {
  const base = (config.temporal.uiUrl ?? `http://localhost:${config.temporal.uiPort}`).replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
