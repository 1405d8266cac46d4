/**
 * The daily digest's side effects: read where the themed activities stand (the read model each
 * workflow keeps in its row, migration 017: no query per activity, none left out), find the
 * coordinators, and email each one digest.
 *
 * Idempotency: each digest is claimed in the store's outbox under
 * (`daily-digest:<day>`, `dailyDigest`, `staff:<id>`, day) before it is sent and marked after, and
 * carries a Message-ID derived from that key. A retried activity, a second workflow run of the same
 * day, or a second API process's start therefore sends nobody a second digest.
 */
import { Context, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types';
import type { DigestItem, DigestReport } from '../domain/emails';
import { renderDigest } from '../mail/digest-template';
import { emailKey } from '../mail/message-id';
import { deliverRecorded, sendOutcomeOf, type SendOutcome } from '../mail/outbox';
import { statusQuery } from '../workflows/themed-activity.api';
import { themedActivityWorkflowId, type ActivityStatus } from '../domain/activity';
import { ActivityRepository } from '../db/repositories/activities';
import { type ActivityStore } from './ports';
import { type Mailer } from '../mail/mailer';
import { type Recipient } from '../domain/people';

export interface DigestDeps {
  /** The process's one Temporal client. */
  client: Client;
  /** For the staff directory (coordinators). */
  db: Kysely<Database>;
  /** The outbox that makes each digest go out once. */
  store: Pick<ActivityStore, 'claimEmail' | 'parkEmail' | 'markEmailSent' | 'markEmailRetrying' | 'markEmailRefused'>;
  /** The outbox's retry schedule (config). */
  retryDelaysMs?: readonly number[];
  mailer: Mailer;
  /** The task queue the themed-activity workflows run on (kept for the caller's config; the read model holds only this deployment's). */
  taskQueue: string;
  publicBaseUrl: string;
  /** IANA zone the digest's day and times are reckoned in. */
  timeZone: string;
  /** Domain part of generated Message-IDs. */
  messageIdDomain: string;
  /**
   * How long the one status query may take that an open activity the read model has not seen yet
   * (a run started before it) is asked (default 10 s); one that does not answer is listed by its row.
   */
  queryTimeoutMs?: number;
}

export interface GatherDigestRequest {
  day: string;
  /** The instant "overdue" and "next N days" are measured from (the workflow's clock). */
  asOf: string;
  upcomingDays: number;
}

export interface SendDigestRequest {
  workflowId: string;
  day: string;
  recipient: Recipient;
  report: DigestReport;
}

/** `queued`: the relay turned it away for now; the outbox's retrier sends it. */
export type SendDigestOutcome = SendOutcome;

const DAY_MS = 86_400_000;
/** Workflow ids per visibility listing of the ended ones. */
const ENDED_LISTING_IDS = 200;

/** A string literal for a visibility query. */
function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function createDigestActivities(deps: DigestDeps) {
  const queryTimeoutMs = deps.queryTimeoutMs ?? 10_000;
  const readModel = new ActivityRepository(deps.db);

  function heartbeat(details?: unknown): void {
    try {
      Context.current().heartbeat(details);
    } catch {
      // Called outside an activity (a direct call in a script): nothing to heartbeat.
    }
  }

  async function statusOf(workflowId: string): Promise<ActivityStatus | undefined> {
    try {
      const handle = deps.client.workflow.getHandle(workflowId);
      return await deps.client.connection.withDeadline(Date.now() + queryTimeoutMs, () => handle.query(statusQuery));
    } catch (err) {
      // One stuck or vanished activity must not keep the digest from the others.
      log.warn('digest: status query failed; activity left out', { workflowId, error: String((err as Error)?.message ?? err) });
      return undefined;
    }
  }

  function itemOf(s: ActivityStatus): DigestItem {
    const item: DigestItem = {
      activityId: s.activityId,
      title: s.plan.title,
      compound: s.compound,
      stage: s.stage,
      startsAt: s.plan.startsAt,
      url: `${deps.publicBaseUrl}/dashboard/activities/${encodeURIComponent(s.activityId)}`,
    };
    if (s.pending) {
      item.pending = { role: s.pending.role, action: s.pending.action, ...(s.pending.dueAt ? { dueAt: s.pending.dueAt } : {}) };
    }
    return item;
  }

  /** An open activity as the digest lists it when nothing knows its status (its row's stage and times). */
  function itemOfRow(r: { id: string; title: string; compound: string; stage: string; startsAt: string }): DigestItem {
    return { activityId: r.id, title: r.title, compound: r.compound, stage: r.stage, startsAt: r.startsAt, url: `${deps.publicBaseUrl}/dashboard/activities/${encodeURIComponent(r.id)}` };
  }

  /**
   * Every open activity with its status: the read model's, or — for a run the read model has not
   * seen (started before it) — the workflow's answer to one query, kept for the next reader.
   */
  async function openStatuses(): Promise<{ item: DigestItem; status?: ActivityStatus }[]> {
    const open = await readModel.openActivities();
    const ended = await endedOtherwise(open.map((r) => themedActivityWorkflowId(r.id)));
    const rows = open.filter((r) => !ended.has(themedActivityWorkflowId(r.id)));
    const out: { item: DigestItem; status?: ActivityStatus }[] = [];
    for (const r of rows) {
      let status = r.status;
      if (!status) {
        status = await statusOf(themedActivityWorkflowId(r.id));
        if (status) await readModel.backfillStatus(r.id, status);
        heartbeat({ phase: 'unseen', activityId: r.id });
      }
      out.push(status ? { item: itemOf(status), status } : { item: itemOfRow(r) });
    }
    return out;
  }

  /**
   * Which of these workflows ended without completing (terminated, failed, …): their rows still
   * show a working stage, since nothing wrote the end. A visibility listing per few hundred ids,
   * not a call per activity; visibility down: none left out.
   */
  async function endedOtherwise(workflowIds: string[]): Promise<Set<string>> {
    const ended = new Set<string>();
    try {
      for (let i = 0; i < workflowIds.length; i += ENDED_LISTING_IDS) {
        const ids = workflowIds.slice(i, i + ENDED_LISTING_IDS);
        const query = `WorkflowId IN (${ids.map(literal).join(', ')}) AND ExecutionStatus != 'Running' AND ExecutionStatus != 'Completed'`;
        for await (const wf of deps.client.workflow.list({ query, pageSize: ids.length })) ended.add(wf.workflowId);
      }
    } catch (err) {
      log.warn('digest: could not list ended workflows; every open row is reported', { error: String((err as Error)?.message ?? err) });
    }
    return ended;
  }

  /** Activities whose emails are still retrying or were refused (the outbox's record), with the counts. */
  async function undelivered(): Promise<DigestItem[]> {
    const rows = await deps.db
      .selectFrom('email_outbox as o')
      .innerJoin('activities as a', 'a.id', 'o.activity_id')
      .select((eb) => ['a.id', 'a.title', 'a.compound_id', 'a.stage', 'a.starts_at', 'o.delivery', eb.fn.countAll<number>().as('n')])
      .where('o.status', '=', 'pending')
      .where('o.delivery', 'is not', null)
      .groupBy(['a.id', 'a.title', 'a.compound_id', 'a.stage', 'a.starts_at', 'o.delivery'])
      .execute();
    const byActivity = new Map<string, DigestItem & { undelivered: { retrying: number; refused: number } }>();
    for (const r of rows) {
      const item = byActivity.get(r.id) ?? {
        activityId: r.id,
        title: r.title,
        compound: r.compound_id,
        stage: r.stage,
        startsAt: r.starts_at,
        url: `${deps.publicBaseUrl}/dashboard/activities/${encodeURIComponent(r.id)}`,
        undelivered: { retrying: 0, refused: 0 },
      };
      item.undelivered[r.delivery === 'refused' ? 'refused' : 'retrying'] += Number(r.n);
      byActivity.set(r.id, item);
    }
    return [...byActivity.values()].sort(byStart);
  }

  const byStart = (a: DigestItem, b: DigestItem): number => Date.parse(a.startsAt) - Date.parse(b.startsAt);
  const byDue = (a: DigestItem, b: DigestItem): number =>
    Date.parse(a.pending?.dueAt ?? a.startsAt) - Date.parse(b.pending?.dueAt ?? b.startsAt);

  return {
    /** Where the running themed activities stand: the same report for every coordinator. */
    async gatherDigest(req: GatherDigestRequest): Promise<DigestReport> {
      const asOfMs = Date.parse(req.asOf);
      if (!Number.isFinite(asOfMs)) throw new TypeError(`gatherDigest: asOf is not an instant: ${req.asOf}`);
      const until = new Date(asOfMs + req.upcomingDays * DAY_MS).toISOString();

      const open = await openStatuses();
      heartbeat({ phase: 'read', open: open.length });
      const overdue = open.filter((o) => o.item.pending?.dueAt !== undefined && Date.parse(o.item.pending.dueAt) < asOfMs).map((o) => o.item);
      return {
        day: req.day,
        timeZone: deps.timeZone,
        asOf: new Date(asOfMs).toISOString(),
        pendingApprovals: open
          .map((o) => o.item)
          .filter((i) => i.stage === 'approval')
          .sort(byDue),
        overdue: overdue.sort(byDue),
        upcoming: open
          .map((o) => o.item)
          .filter((i) => Date.parse(i.startsAt) >= asOfMs && Date.parse(i.startsAt) < Date.parse(until))
          .sort(byStart),
        upcomingDays: req.upcomingDays,
        // Every open activity is read from the database: nothing is left out.
        truncated: false,
        dashboardUrl: `${deps.publicBaseUrl}/dashboard`,
        needsAttention: open
          .flatMap((o) => (o.status?.attention ? [{ ...o.item, attention: { step: o.status.attention.step, error: o.status.attention.error } }] : []))
          .sort(byStart),
        undelivered: await undelivered(),
      };
    },

    /** The coordinators in the staff directory, read when the digest goes out. */
    async listCoordinators(): Promise<Recipient[]> {
      const rows = await deps.db
        .selectFrom('staff')
        .select(['id', 'name', 'email', 'locale'])
        .where('role', '=', 'coordinator')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ key: `staff:${r.id}`, name: r.name, email: r.email, locale: r.locale }));
    },

    /**
     * Emails one coordinator the day's digest, once per (day, coordinator), through the outbox:
     * a relay that turns it away for now leaves it to the retrier (`queued`), never fails the run.
     */
    async sendDigest(req: SendDigestRequest): Promise<SendDigestOutcome> {
      const key = emailKey({ workflowId: req.workflowId, purpose: 'dailyDigest', recipientKey: req.recipient.key, round: req.day });
      const outcome = await deliverRecorded(deps, {
        key,
        scopeId: req.workflowId,
        purpose: 'dailyDigest',
        recipient: req.recipient,
        render: () => renderDigest({ recipientName: req.recipient.name, report: req.report }, req.recipient.locale),
        headers: { 'X-Email-Purpose': 'dailyDigest', 'X-Digest-Day': req.day },
      });
      if (outcome === 'refused') log.warn('digest refused for good', { recipientKey: req.recipient.key });
      return sendOutcomeOf(outcome);
    },
  };
}

export type DigestActivities = ReturnType<typeof createDigestActivities>;
