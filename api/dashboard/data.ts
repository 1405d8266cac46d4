/**
 * What the dashboard reads: the activities' read model (each workflow writes its status to its
 * row, migration 017), one activity's status query for its own page, and the database's records
 * (outbox, check-ins, ledger, directory). Reads only.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../../config';
import type { CheckInView, LeaderboardRow, OutboxEntry, PeopleTable, PointsView, Repositories } from '../../db/repositories';
import type { ActivityScope, ReadModelRow } from '../../db/repositories/activities';
import { statusQuery } from '../../workflows/themed-activity.api';
import { isTerminal, themedActivityWorkflowId, type ActivityStatus, type Stage } from '../../domain/activity';
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
  /**
   * RUNNING until the activity reached a stage it ends in, then COMPLETED (the read model's word);
   * TERMINATED, FAILED, … when its workflow ended otherwise (`withEndings`, one listing a page).
   */
  executionStatus: string;
  /** The status its workflow last wrote to the read model (or, for a run started before it, answered once). */
  status?: ActivityStatus;
}

/**
 * Activities on one page of a list (the overview, "my activities"); every one is on some page. A
 * phone's screenful or two: the page costs the same however many activities are open.
 */
export const PAGE_SIZE = 25;
/** A status query for a run the read model has not seen that takes longer than this is left for the next view. */
const QUERY_DEADLINE_MS = 4_000;
const QUERY_CONCURRENCY = 6;

/** Where a paged list is: 1-based page, pages in all (at least 1), items in all. */
export interface Paging {
  page: number;
  pages: number;
  total: number;
}

/** The page a `?page=` asks for: a positive whole number, else the first. */
export function pageOf(asked: unknown): number {
  const n = typeof asked === 'string' && /^[1-9]\d{0,5}$/.test(asked) ? Number(asked) : 1;
  return n;
}

function pagingOf(page: number, total: number, size = PAGE_SIZE): Paging {
  const pages = Math.max(1, Math.ceil(total / size));
  return { page: Math.min(page, pages), pages, total };
}

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

/**
 * The status as the read model has it; for a run the read model has not seen (started before it),
 * the workflow's answer, asked once and kept. Undefined when neither knows the activity.
 */
export async function readStatus(d: DashboardData, activityId: string): Promise<ActivityStatus | undefined> {
  const row = await d.repos.activities.readModel(activityId);
  if (row?.status) return row.status;
  const status = await activityStatus(d, activityId);
  if (status && row) await d.repos.activities.backfillStatus(activityId, status);
  return status;
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
 * Runs started before the read model, still open and never seen: each is asked its status once
 * (a page's worth per view, a few at a time) and the answer kept, after which the run's own
 * writes take over. None once every such run has been seen or has written; a run that does not
 * answer in time is asked again at the next view, and listed meanwhile with its row's stage.
 */
export async function seeUnseenActivities(d: DashboardData, scope: ActivityScope): Promise<void> {
  const unseen = await d.repos.activities.unseenOpen(scope, PAGE_SIZE);
  await mapLimited(unseen, QUERY_CONCURRENCY, async (row) => {
    try {
      const status = await d.client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => d.client.workflow.getHandle(themedActivityWorkflowId(row.id)).query(statusQuery));
      await d.repos.activities.backfillStatus(row.id, status);
    } catch {
      // Gone, or slow: the row still shows, by what the database has.
    }
  });
}

export function overviewOf(row: ReadModelRow): ActivityOverview {
  const stage = (row.status?.stage ?? row.stage) as Stage;
  return {
    activityId: row.id,
    workflowId: themedActivityWorkflowId(row.id),
    cycleId: row.cycleId,
    compound: row.compound,
    title: row.status?.plan.title ?? row.title,
    startsAt: row.status?.plan.startsAt ?? row.startsAt,
    stage,
    executionStatus: isTerminal(stage) ? 'COMPLETED' : 'RUNNING',
    ...(row.status ? { status: row.status } : {}),
  };
}

/**
 * One page of the activities the viewer may see, from the read model: no Temporal query for any
 * activity the read model has seen, and no cap — the rest are on the next pages.
 */
export async function listActivities(d: DashboardData, scope: ActivityScope, page = 1): Promise<{ activities: ActivityOverview[]; paging: Paging }> {
  await seeUnseenActivities(d, scope);
  return pageThrough(page, (offset) => d.repos.activities.activitiesPage(scope, PAGE_SIZE, offset));
}

/** The asked page, or the last one when fewer pages are left (a list that shrank under a link). */
async function pageThrough(page: number, load: (offset: number) => Promise<{ rows: ReadModelRow[]; total: number }>): Promise<{ activities: ActivityOverview[]; paging: Paging }> {
  let found = await load((page - 1) * PAGE_SIZE);
  let paging = pagingOf(page, found.total);
  if (paging.page !== page) {
    found = await load((paging.page - 1) * PAGE_SIZE);
    paging = pagingOf(paging.page, found.total);
  }
  return { activities: found.rows.map(overviewOf), paging };
}

/**
 * The page's activities whose workflow ended without completing (terminated, failed, timed out,
 * cancelled): nothing writes that to the row, so one visibility listing for the whole page says
 * it — not one call per activity. Visibility down or behind: no such mark, the rows still show.
 */
export async function withEndings(d: DashboardData, lists: ActivityOverview[][]): Promise<void> {
  const ids = [...new Set(lists.flat().map((a) => a.workflowId))];
  if (ids.length === 0) return;
  const ended = new Map<string, string>();
  const query = `WorkflowId IN (${ids.map(queryLiteral).join(', ')}) AND ExecutionStatus != 'Running' AND ExecutionStatus != 'Completed'`;
  try {
    for await (const wf of d.client.workflow.list({ query, pageSize: ids.length })) ended.set(wf.workflowId, wf.status.name);
  } catch {
    return;
  }
  for (const a of lists.flat()) {
    const status = ended.get(a.workflowId);
    if (status) a.executionStatus = status;
  }
}

/** One page of the open activities someone must act on, overdue first (the read model's pending columns). */
export async function listWaiting(d: DashboardData, scope: ActivityScope, page: number): Promise<{ activities: ActivityOverview[]; paging: Paging }> {
  return pageThrough(page, (offset) => d.repos.activities.waitingPage(scope, PAGE_SIZE, offset));
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
