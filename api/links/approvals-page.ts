/**
 * The approver's page under the dashboard (issue 10):
 *
 *   GET /dashboard/approvals             the approvals waiting for the signed-in person, and their past decisions
 *   GET /dashboard/approvals/:id/open    the decision page of one of them: the emailed link's page
 *
 * "Open" signs a fresh action link for the signed-in person, this activity's approval step and its
 * current round, exactly as the workflow's email does, and redirects to it. The decision is then
 * taken on the action-link page itself (/a/<token>), so every check that page makes (the step is
 * open, the round is current, the recipient has not moved to another compound, a choice is made, a
 * CSRF pair) and its audit row apply unchanged; no second decision path exists to drift apart.
 * The link grants nothing the session does not: it is signed only for the viewer, only while the
 * activity waits on them, and for a short time (opening it again signs another).
 */
import type { Request, Response, Router } from 'express';
import { signActionToken } from '../../links/action-token';
import { themedActivityWorkflowId, type ActivityStatus } from '../../domain/activity';
import { APPROVAL_DECISIONS } from '../../domain/vocabulary';
import { catalogFor } from '../../i18n';
import type { StaffWorkProse } from '../../i18n/catalog';
import { compoundNames, readStatus, seeUnseenActivities, type DashboardData } from '../dashboard/data';
import { compoundScope } from '../dashboard/access';
import type { PageCtx } from '../dashboard/page-context';
import { approvalOpenHref } from '../dashboard/waiting-actions';
import { html, type RawHtml } from '../http/html';
import { messageCard } from '../http/layout';
import type { StaffSession } from '../http/session';

/** How long a link signed from the page lives: long enough to read the plan and decide. */
const OPENED_LINK_LIFETIME_MS = 60 * 60_000;
const PAST_DECISIONS_SHOWN = 50;
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface ApprovalPageDeps {
  data: DashboardData;
  linkSecret: string;
  now: () => number;
}

export function staffWorkStrings(locale: PageCtx['locale']): StaffWorkProse {
  return catalogFor(locale).staffWork;
}

/** Whether the activity waits on this person's approval now (the grid worker's, or the coordinator's once escalated). */
export function waitsOnApprovalOf(status: ActivityStatus | undefined, viewer: StaffSession): status is ActivityStatus {
  return status?.stage === 'approval' && status.pending?.action === 'decideApproval' && status.pending.actorId === viewer.staffId;
}


export function approvalRoutes(router: Router, deps: ApprovalPageDeps, ctxOf: (req: Request, res: Response) => PageCtx): void {
  const { data } = deps;

  router.get('/approvals', async (req, res) => {
    const ctx = ctxOf(req, res);
    const w = staffWorkStrings(ctx.locale);
    const scope = compoundScope(ctx.viewer);
    const inScope = scope !== undefined ? { compound: scope } : {};
    await seeUnseenActivities(data, inScope);
    // The read model's pending columns: every approval waiting on the viewer, without asking any workflow.
    const [waitingRows, compounds, past] = await Promise.all([
      data.repos.activities.waitingOn(ctx.viewer.staffId, 'decideApproval', inScope),
      compoundNames(data.repos),
      data.repos.audit.recordedBy(`staff:${ctx.viewer.staffId}`, 'approval', PAST_DECISIONS_SHOWN),
    ]);
    const waiting = waitingRows.flatMap((a) => (waitsOnApprovalOf(a.status, ctx.viewer) ? [a.status] : []));
    const titles = await data.repos.activities.titlesAndStages(past.map((p) => activityIdOf(p.workflow_id)));

    const waitingCards = waiting.length
      ? waiting.map((st) => {
          const p = st.plan;
          const row = (label: string, value: string | undefined) => (value ? html`<dt>${label}</dt><dd>${value}</dd>` : '');
          return html`<div class="card"><h2>${p.title}</h2>${st.approvalEscalated ? html`<p><span class="badge red">${w.escalated}</span></p>` : ''}<dl class="kv">${row(
            ctx.s.page.labels.theme,
            p.theme,
          )}${row(ctx.s.page.labels.compound, compounds.get(p.compound) ?? p.compound)}${row(ctx.s.page.labels.time, ctx.s.page.range(p.startsAt, p.endsAt))}${row(
            ctx.s.page.labels.capacity,
            ctx.s.page.people(p.capacity),
          )}${row(ctx.s.page.labels.budget, ctx.s.page.money(p.budget))}${row(w.columns.round, w.round(st.approvalRound))}${row(
            w.due,
            st.pending?.dueAt ? ctx.s.page.when(st.pending.dueAt) : undefined,
          )}</dl><p><a class="button" href="${approvalOpenHref(st.activityId)}">${w.open}</a></p></div>`;
        })
      : html`<div class="card"><p class="muted">${w.waitingNone}</p></div>`;

    const outcomes = ctx.s.outcomes;
    const pastList = past.length
      ? html`<ul class="records">${past.map((p) => {
          const id = activityIdOf(p.workflow_id);
          return html`<li><div class="what">${titles.get(id)?.title ?? id} · ${w.round(p.round)} · <span class="badge">${outcomes[p.action] ?? p.action}</span></div><div class="when"><time datetime="${p.created_at}">${ctx.s.page.when(
            p.created_at,
          )}</time></div>${p.comment ? html`<div class="quote">${p.comment}</div>` : ''}</li>`;
        })}</ul>`
      : html`<p class="muted">${w.pastNone}</p>`;

    ctx.render(
      200,
      w.heading,
      html`<div class="card"><h1>${w.heading}</h1><p class="muted">${w.intro}</p></div>${waitingCards}<div class="card"><h2>${w.past}</h2>${pastList}</div>`,
      'approvals',
    );
  });

  router.get('/approvals/:id/open', async (req, res) => {
    const ctx = ctxOf(req, res);
    const w = staffWorkStrings(ctx.locale);
    const id = String(req.params.id);
    const status = ID.test(id) ? await readStatus(data, id) : undefined;
    if (!waitsOnApprovalOf(status, ctx.viewer)) {
      ctx.render(409, w.notYoursTitle, messageCard(w.notYoursTitle, [w.notYoursBody], backToApprovals(w)), 'approvals');
      return;
    }
    // The actions the workflow's email offers this round: the last allowed round cannot be sent back.
    const lastRound = status.approvalRound >= data.config.timings.maxApprovalRounds;
    const token = signActionToken(
      {
        v: 1,
        wf: themedActivityWorkflowId(status.activityId),
        step: 'approval',
        round: status.approvalRound,
        rcp: `staff:${ctx.viewer.staffId}`,
        act: APPROVAL_DECISIONS.filter((a) => !(lastRound && a === 'requestChanges')),
        exp: Math.floor((deps.now() + OPENED_LINK_LIFETIME_MS) / 1000),
      },
      deps.linkSecret,
    );
    // A path, not the public URL: the person stays on the site they are signed in to.
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, `/a/${token}?lang=${ctx.locale}`);
  });
}

function backToApprovals(w: StaffWorkProse): RawHtml {
  return html`<p><a href="/dashboard/approvals">${w.heading}</a></p>`;
}

function activityIdOf(workflowId: string): string {
  const prefix = themedActivityWorkflowId('');
  return workflowId.startsWith(prefix) ? workflowId.slice(prefix.length) : workflowId;
}
