/** The dashboard's pages, as HTML bodies. Pure: everything they show is handed in. */
import { yearReportLink } from '../reports/links';
import { STAGES, type ActivityStatus, type DecisionRecord, type PendingAction, type Stage, type StageSpan } from '../../domain/activity';
import { html, raw, type RawHtml } from '../http/html';
import type { StaffSession } from '../http/session';
import type { ActivityOverview, CheckInView, LeaderboardRow, OutboxEntry, Paging, Person, PointsView } from './data';
import type { DashboardStrings } from './i18n';
import type { Locale } from '../../domain/schemas';
import { waitingButton } from './waiting-actions';
import { cycleManageLink, newCycleLink } from '../cycles/pages';

const WORKING = STAGES as readonly string[];

/** Seven segments, one per working stage: done, now, stopped (rejected / cancelled) or to come. */
export function progressBar(s: DashboardStrings, stage: Stage | undefined, spans: readonly StageSpan[] | undefined): RawHtml {
  let done = 0;
  let mark: 'now' | 'stop' | undefined;
  if (stage === 'completed') done = STAGES.length;
  else if (stage && WORKING.includes(stage)) {
    done = WORKING.indexOf(stage);
    mark = 'now';
  } else if (stage === 'rejected' || stage === 'cancelled') {
    const reached = [...(spans ?? [])].reverse().find((sp) => WORKING.includes(sp.stage));
    done = reached ? WORKING.indexOf(reached.stage) : 0;
    mark = 'stop';
  }
  const cells = STAGES.map((st, i) => {
    const cls = i < done ? 'done' : i === done && mark ? mark : '';
    return html`<span class="${cls}" title="${s.page.stages[st]}"></span>`;
  });
  const label = stage ? s.page.stages[stage] : '–';
  const reachedCount = stage === 'completed' ? STAGES.length : done + (mark === 'now' ? 1 : 0);
  return html`<div class="bar" role="img" aria-label="${reachedCount}/${STAGES.length} ${label}">${cells}</div><div class="bar-label">${reachedCount}/${STAGES.length} · ${label}</div>`;
}

/** Who must act, in words: "网格员 李网格". */
export function waitingOn(s: DashboardStrings, pending: PendingAction, names: ReadonlyMap<string, string>, status?: ActivityStatus): string {
  const role = s.roles[pending.role] ?? pending.role;
  let name: string | undefined;
  if (pending.actorId) {
    if (pending.role === 'merchant') {
      const venue = status?.plan.venue;
      name = venue?.kind === 'merchant' ? venue.candidateMerchants.find((m) => m.id === pending.actorId)?.name : undefined;
    } else name = names.get(pending.actorId);
    name ??= pending.actorId;
  }
  return name ? `${role} ${name}` : role;
}

export interface WaitingItem {
  activity: ActivityOverview;
  pending: PendingAction;
  /** When the current stage began: how long the wait has lasted. */
  since: string | undefined;
  overdue: boolean;
}

/** Running activities with someone to act, overdue first (earliest due first), then by due time, then by how long they have waited. */
export function waitingItems(activities: readonly ActivityOverview[], nowMs: number): WaitingItem[] {
  const items: WaitingItem[] = [];
  for (const a of activities) {
    const p = a.status?.pending;
    if (!p || a.executionStatus !== 'RUNNING') continue;
    const spans = a.status?.stages ?? [];
    const since = spans[spans.length - 1]?.startedAt;
    items.push({ activity: a, pending: p, since, overdue: p.dueAt !== undefined && Date.parse(p.dueAt) < nowMs });
  }
  const due = (i: WaitingItem) => (i.pending.dueAt ? Date.parse(i.pending.dueAt) : Number.POSITIVE_INFINITY);
  const since = (i: WaitingItem) => (i.since ? Date.parse(i.since) : Number.POSITIVE_INFINITY);
  return items.sort((a, b) => Number(b.overdue) - Number(a.overdue) || due(a) - due(b) || since(a) - since(b));
}

const activityHref = (id: string) => `/dashboard/activities/${encodeURIComponent(id)}`;

function executionBadge(a: { executionStatus: string }): RawHtml | string {
  if (a.executionStatus === 'RUNNING' || a.executionStatus === 'COMPLETED') return '';
  return html` <span class="badge red">${a.executionStatus}</span>`;
}

function stageBadge(s: DashboardStrings, stage: Stage | undefined): RawHtml {
  const cls = stage === 'completed' ? 'green' : stage === 'rejected' || stage === 'cancelled' ? 'grey' : '';
  return html`<span class="badge ${cls}">${stage ? s.page.stages[stage] : '–'}</span>`;
}

export interface CycleGroup {
  cycleId: string;
  /** The cycle's name, when it was started as a cycle (the cycles table). */
  name?: string;
  /** Started as a cycle: it has a report. */
  recorded: boolean;
  activities: ActivityOverview[];
  /** Extra lines about the cycle (its name, period, milestones), when the cycle workflow is known. */
  details?: RawHtml;
}

export interface HomeView {
  viewer: StaffSession;
  scopeCompound?: string;
  cycles: CycleGroup[];
  waiting: WaitingItem[];
  names: ReadonlyMap<string, string>;
  /** Compound names by id. */
  compounds: ReadonlyMap<string, string>;
  /** Where the cycles' activities and the waiting list are in their pages, and each page's link. */
  activityPages: Paging;
  waitingPages: Paging;
  pageHref: (which: 'page' | 'waiting', page: number) => string;
  canSeeReport: boolean;
}

/** Links to the previous and next page, and where this one is; nothing when everything fits on one. */
export function pagerLinks(s: DashboardStrings, paging: Paging, href: (page: number) => string): RawHtml | '' {
  if (paging.pages <= 1) return '';
  const p = s.home.pager;
  const previous = paging.page > 1 ? html`<a href="${href(paging.page - 1)}" rel="prev">${p.previous}</a> ` : '';
  const next = paging.page < paging.pages ? html` <a href="${href(paging.page + 1)}" rel="next">${p.next}</a>` : '';
  return html`<p class="pager noprint">${previous}<span class="muted">${p.page(paging.page, paging.pages, paging.total)}</span>${next}</p>`;
}

export function homeBody(s: DashboardStrings, v: HomeView): RawHtml {
  const h = s.home;
  const c = h.columns;
  const waiting = v.waiting.length
    ? html`<div class="scroll"><table><thead><tr><th>${c.activity}</th><th>${c.who}</th><th>${c.what}</th><th>${c.since}</th><th>${c.due}</th></tr></thead><tbody>${v.waiting.map(
        (w) =>
          html`<tr${raw(w.overdue ? ' class="overdue"' : '')}><td><a href="${activityHref(w.activity.activityId)}">${w.activity.title}</a><div class="muted">${v.compounds.get(w.activity.compound) ?? w.activity.compound} · ${s.page.stages[w.activity.stage ?? 'planning']}</div></td><td>${waitingOn(
            s,
            w.pending,
            v.names,
            w.activity.status,
          )}</td><td>${s.pendingActions[w.pending.action] ?? w.pending.action}${waitingButton(s.page.lang as Locale, v.viewer, w.activity.activityId, w.pending)}</td><td class="t">${w.since ? s.page.when(w.since) : '–'}</td><td class="t">${
            w.pending.dueAt ? s.page.when(w.pending.dueAt) : '–'
          }${w.overdue ? html` <span class="badge red">${h.overdue}</span>` : ''}</td></tr>`,
      )}</tbody></table></div>${pagerLinks(s, v.waitingPages, (n) => v.pageHref('waiting', n))}`
    : html`<p class="muted">${h.waitingNone}</p>`;

  const cycles = v.cycles.length
    ? v.cycles.map(
        (g) =>
          html`<div class="card"><h2>${g.name ? html`${g.name}<small>${h.cycle(g.cycleId)}</small>` : h.cycle(g.cycleId)}<small>${h.activities(g.activities.length)}</small></h2>${g.details ?? ''}${
            v.canSeeReport && g.recorded ? html`<p class="noprint"><a href="/dashboard/cycles/${encodeURIComponent(g.cycleId)}/report">${h.report}</a></p>` : ''
          }${cycleManageLink(s.page.lang as Locale, v.viewer.role, g.cycleId, g.recorded)}${g.activities.length ? html`<div class="scroll"><table><thead><tr><th>${c.activity}</th><th>${c.compound}</th><th>${c.startsAt}</th><th>${c.stage}</th><th>${c.progress}</th></tr></thead><tbody>${g.activities.map(
            (a) =>
              html`<tr><td><a href="${activityHref(a.activityId)}">${a.title}</a></td><td>${v.compounds.get(a.compound) ?? a.compound}</td><td class="t">${a.startsAt ? s.page.when(a.startsAt) : '–'}</td><td>${stageBadge(s, a.stage)}${executionBadge(a)}${a.status?.attention ? html` <span class="badge red">${s.activity.needsAttentionBadge}</span>` : ''}</td><td>${progressBar(s, a.stage, a.status?.stages)}</td></tr>`,
          )}</tbody></table></div>` : html`<p class="muted">${h.noActivities}</p>`}</div>`,
      )
    : [html`<div class="card"><p class="muted">${h.noActivities}</p></div>`];

  return html`<div class="card"><h1>${h.heading}</h1>${v.scopeCompound ? html`<p class="muted">${h.scopeCompound(v.compounds.get(v.scopeCompound) ?? v.scopeCompound)}</p>` : ''}${newCycleLink(s.page.lang as Locale, v.viewer.role)}${
    v.canSeeReport ? yearReportLink(s.page.lang as Locale) : ''
  }<h2>${h.waiting}</h2>${waiting}</div>${cycles}${pagerLinks(s, v.activityPages, (n) => v.pageHref('page', n))}`;
}

// ---- one activity --------------------------------------------------------------------------------

export interface ActivityView {
  viewer: StaffSession;
  /** The page's CSRF value, for the "try again now" form. */
  csrf?: string;
  status: ActivityStatus;
  workflowId: string;
  executionStatus: string | undefined;
  outbox: OutboxEntry[];
  people: ReadonlyMap<string, Person>;
  names: ReadonlyMap<string, string>;
  checkIns: CheckInView[];
  /** Undefined: the viewer may not see points. */
  points?: PointsView[];
  showEmailAddresses: boolean;
  /** Coordinators only (the Temporal UI has no sign-in of its own). */
  temporalUrl?: string;
  /** Compound names by id. */
  compounds: ReadonlyMap<string, string>;
  /** What the viewer may do to the activity (api/activities/pages.ts). */
  actions?: RawHtml | string;
  /** The registrations card (api/registration/pages.ts). */
  registrations?: RawHtml;
}

type TimelineEntry = { at: string; order: number; html: RawHtml };

function decisionEntry(s: DashboardStrings, d: DecisionRecord): RawHtml {
  const kind = s.decisionKinds[d.kind] ?? d.kind;
  const outcome = s.outcomes[d.outcome] ?? d.outcome;
  const round = d.round !== undefined && (d.kind === 'approval' || d.kind === 'approvalEscalated') ? ` #${d.round}` : '';
  const by = d.by ? html`<div>${s.activity.by} <strong class="who">${d.by.name}</strong>（${s.roles[d.by.role] ?? d.by.role}）</div>` : '';
  return html`<div class="what">${kind}${round}：${outcome}</div>${by}<div class="when"><time datetime="${d.at}">${s.page.when(d.at)}</time></div>${
    d.comment ? html`<div class="quote">${d.comment}</div>` : ''
  }`;
}

function personLabel(v: ActivityView, key: string): string {
  const p = v.people.get(key);
  if (!p) return key;
  return v.showEmailAddresses && p.email ? `${p.name} (${key}, ${p.email})` : `${p.name} (${key})`;
}

function timeline(s: DashboardStrings, v: ActivityView): RawHtml {
  const entries: TimelineEntry[] = [];
  for (const span of v.status.stages) {
    const end = span.endedAt ? html`${s.activity.until} <time datetime="${span.endedAt}">${s.page.when(span.endedAt)}</time>` : html`<span class="badge">${s.activity.ongoing}</span>`;
    const terminal = span.stage === 'completed' || span.stage === 'rejected' || span.stage === 'cancelled';
    entries.push({
      at: span.startedAt,
      // A decision and the stage it starts share the workflow's time: the decision comes first.
      order: span.stage === 'planning' ? -1 : 1,
      html: html`<li class="stage"><div class="what">${s.activity.stageStarted(s.page.stages[span.stage])}</div><div class="when"><time datetime="${span.startedAt}">${s.page.when(span.startedAt)}</time>${
        terminal ? '' : html` · ${end}`
      }</div></li>`,
    });
  }
  for (const d of v.status.decisions) entries.push({ at: d.at, order: 0, html: html`<li class="decision">${decisionEntry(s, d)}</li>` });
  // Emails of one purpose sent together (a round to a whole compound) are one entry.
  const groups: OutboxEntry[][] = [];
  for (const e of v.outbox) {
    const last = groups[groups.length - 1];
    const first = last?.[0];
    if (last && first && first.purpose === e.purpose && Math.abs(Date.parse(e.at) - Date.parse(first.at)) < 60_000) last.push(e);
    else groups.push([e]);
  }
  for (const g of groups) {
    const first = g[0]!;
    entries.push({
      at: first.at,
      order: 2,
      html: html`<li class="email"><div class="what">${s.activity.emailsTo(s.emailPurposes[first.purpose] ?? first.purpose, g.length)}</div><div class="when"><time datetime="${first.at}">${s.page.when(first.at)}</time></div><div class="muted">${g.map(
        (e, i) => html`${i > 0 ? '；' : ''}${personLabel(v, e.recipientKey)}${e.status === 'pending' ? html` <span class="badge${e.delivery ? ' red wrap' : ''}">${emailState(s, e)}</span>` : ''}`,
      )}</div></li>`,
    });
  }
  entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.order - b.order);
  return html`<ol class="timeline">${entries.map((e) => e.html)}</ol>`;
}

export function activityBody(s: DashboardStrings, v: ActivityView): RawHtml {
  const st = v.status;
  const p = st.plan;
  const a = s.activity;
  const venue = st.venue?.venueName ?? (p.venue.kind === 'community' ? p.venue.venueName : undefined);
  const row = (label: string, value: RawHtml | string | undefined) => (value ? html`<dt>${label}</dt><dd>${value}</dd>` : '');
  const header = html`<div class="card"><h1>${p.title}</h1><dl class="kv">${row(s.page.labels.theme, p.theme)}${row(s.page.labels.compound, v.compounds.get(p.compound) ?? p.compound)}${row(
    s.page.labels.time,
    s.page.range(p.startsAt, p.endsAt),
  )}${row(s.page.labels.venue, venue)}${row(a.cycle, st.cycleId)}${row(s.page.labels.stage, html`${stageBadge(s, st.stage)}${v.executionStatus ? executionBadge({ executionStatus: v.executionStatus }) : ''}`)}${row(
    a.temporal,
    v.temporalUrl ? html`<a href="${v.temporalUrl}" rel="noreferrer">${a.openInTemporal}</a><div class="muted">${a.temporalNoSignIn}</div>` : undefined,
  )}</dl>${progressBar(s, st.stage, st.stages)}${attentionNotice(s, v)}</div>`;

  const pending = st.pending
    ? html`<div class="card"><h2>${a.waiting}</h2><dl class="kv">${row(s.home.columns.who, waitingOn(s, st.pending, v.names, st))}${row(
        s.home.columns.what,
        s.pendingActions[st.pending.action] ?? st.pending.action,
      )}${row(s.home.columns.since, st.stages[st.stages.length - 1] ? s.page.when(st.stages[st.stages.length - 1]!.startedAt) : undefined)}${row(
        s.home.columns.due,
        st.pending.dueAt
          ? html`${s.page.when(st.pending.dueAt)}${Date.parse(st.pending.dueAt) < Date.now() ? html` <span class="badge red">${s.home.overdue}</span>` : ''}`
          : undefined,
      )}</dl></div>`
    : '';

  const c = st.counts;
  const ac = a.checkInColumns;
  const attendance = html`<div class="card"><h2>${a.attendance}</h2>${
    st.attendanceWindow ? html`<p class="muted">${a.window}：${s.page.range(st.attendanceWindow.opensAt, st.attendanceWindow.closesAt)}</p>` : ''
  }${c.participants !== undefined ? html`<p>${a.tally(c.participants, c.families ?? 0, c.volunteers ?? 0, c.volunteerHours ?? 0)}</p>` : ''}${
    v.checkIns.length
      ? html`<div class="scroll"><table><thead><tr><th>${ac.who}</th><th>${ac.kind}</th><th class="num">${ac.members}</th><th>${ac.method}</th><th>${ac.at}</th></tr></thead><tbody>${v.checkIns.map(
          (ci) =>
            html`<tr><td>${ci.name}</td><td>${a.personKinds[ci.personKind]}</td><td class="num">${ci.members}</td><td>${a.methods[ci.method] ?? ci.method}</td><td class="t">${s.page.when(ci.at)}</td></tr>`,
        )}</tbody></table></div>`
      : html`<p class="muted">${a.noCheckIns}</p>`
  }</div>`;

  const pc = a.pointsColumns;
  const points = v.points
    ? html`<div class="card"><h2>${a.points}</h2>${
        v.points.length
          ? html`<p>${a.pointsTotal(v.points.reduce((sum, e) => sum + e.amount, 0))}</p><div class="scroll"><table><thead><tr><th>${pc.holder}</th><th>${pc.rule}</th><th class="num">${pc.amount}</th><th>${pc.at}</th></tr></thead><tbody>${v.points.map(
              (e) =>
                html`<tr><td>${e.name} <span class="muted">${a.personKinds[e.holderKind]}</span></td><td>${e.rule ? (a.pointsRules[e.rule] ?? e.rule) : e.kind}</td><td class="num">${e.amount}</td><td class="t">${s.page.when(e.at)}</td></tr>`,
            )}</tbody></table></div>`
          : html`<p class="muted">${a.noPoints}</p>`
      }</div>`
    : '';

  const missing = st.decisions.some((d) => d.kind === 'feedbackMissing');
  const feedback = html`<div class="card"><h2>${a.feedback}</h2>${
    st.feedback
      ? html`<p>${a.ratings}：<strong>${st.feedback.ratings.organisation} / ${st.feedback.ratings.participation} / ${st.feedback.ratings.effect}</strong></p><p class="muted">${a.by} ${st.feedback.by.name} · ${s.page.when(
          st.feedback.at,
        )}</p>${st.feedback.comment ? html`<div class="quote">${st.feedback.comment}</div>` : ''}`
      : html`<p class="muted">${missing ? a.feedbackMissing : a.feedbackNotYet}</p>`
  }</div>`;

  return html`${header}${v.actions ?? ''}${pending}<div class="card"><h2>${a.timeline}</h2>${timeline(s, v)}</div>${v.registrations ?? ''}${attendance}${points}${feedback}`;
}

// ---- leaderboard ---------------------------------------------------------------------------------

export interface LeaderboardView {
  rows: LeaderboardRow[];
  compounds: ReadonlyMap<string, string>;
  /** The filter links offered (coordinators: every compound; others: their own). */
  choices: string[];
  allowAll: boolean;
  selected: string | undefined;
}

export function leaderboardBody(s: DashboardStrings, v: LeaderboardView): RawHtml {
  const l = s.leaderboard;
  const c = l.columns;
  const link = (compound: string | undefined, label: string) =>
    html`<a href="/dashboard/leaderboard${compound ? `?compound=${encodeURIComponent(compound)}` : ''}"${raw(v.selected === compound ? ' class="on"' : '')}>${label}</a>`;
  const filters = html`<nav class="filters">${v.allowAll ? link(undefined, l.all) : ''}${v.choices.map((id) => link(id, v.compounds.get(id) ?? id))}</nav>`;
  const table = v.rows.length
    ? html`<div class="scroll"><table><thead><tr><th class="num">${c.rank}</th><th>${c.family}</th><th>${c.compound}</th><th class="num">${c.balance}</th><th class="num">${c.earned}</th></tr></thead><tbody>${v.rows.map(
        (r, i) =>
          html`<tr><td class="num">${i + 1}</td><td>${r.name}</td><td>${v.compounds.get(r.compound) ?? r.compound}</td><td class="num"><strong>${r.balance}</strong></td><td class="num">${r.earned}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="muted">${l.empty}</p>`;
  return html`<div class="card"><h1>${l.heading}</h1><p class="muted">${l.intro}</p>${filters}${table}</div>`;
}

/** A pending email's badge: not sent yet, retrying (when, and why), or refused (why). */
function emailState(s: DashboardStrings, e: OutboxEntry): string {
  if (!e.delivery) return s.activity.pendingEmail;
  if (e.delivery.state === 'refused') return s.activity.refusedEmail(e.delivery.reason);
  return s.activity.retryingEmail(e.delivery.reason, e.delivery.nextAttemptAt ? s.page.when(e.delivery.nextAttemptAt) : '—');
}

/** A step that failed for good: what and why, when it is tried again, and (for coordinators) a button to try now. */
function attentionNotice(s: DashboardStrings, v: ActivityView): RawHtml | string {
  const at = v.status.attention;
  if (!at) return '';
  const a = s.activity;
  const retry =
    v.viewer.role === 'coordinator' && v.csrf !== undefined
      ? html`<form method="post" action="/dashboard/activities/${v.status.activityId}/retry"><input type="hidden" name="csrf" value="${v.csrf}"><button type="submit">${a.retryNow}</button></form>`
      : '';
  return html`<div class="error" id="attention"><p>${a.needsAttention(a.steps[at.step] ?? at.step, at.error, s.page.when(at.retryAt))}</p>${retry}</div>`;
}
