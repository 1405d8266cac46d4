/**
 * The pages behind action links. Each shows what is asked, the current state, and (while the step
 * is open) a form that POSTs; nothing here acts, and no page carries script.
 */
import type { ActionTokenClaims } from '../../links/action-token';
import type { Locale } from '../../domain/schemas';
import type { ActivityStatus } from '../../domain/activity';
import { html, raw, type RawHtml } from '../http/html';
import { publicPage } from '../http/layout';
import type { ActionName, LinkPagesProse, StepName } from '../../i18n/catalog';
import { stringsFor } from './i18n';

/** A decision as shown to people: what, by whom, when. */
export interface ShownRecord {
  outcome: string;
  byName: string;
  at: string;
  comment: string;
}

export interface Recipient {
  key: string;
  kind: 'staff' | 'merchant';
  id: string;
  name: string;
  email: string;
  locale: Locale;
  role: 'propertyManager' | 'gridWorker' | 'coordinator' | 'supervisor' | 'merchant';
  /** Merchants: the venue they were asked for. */
  venueName?: string;
}

export const STEP_ACTIONS: Record<StepName, readonly ActionName[]> = {
  approval: ['approve', 'reject', 'requestChanges'],
  venueRequest: ['accept', 'decline'],
  supervisionFeedback: ['submit'],
};

export interface PageContext {
  locale: Locale;
  s: LinkPagesProse;
  /** `/a/<token>`, without query. */
  selfPath: string;
}

export function pageContext(locale: Locale, token: string): PageContext {
  return { locale, s: stringsFor(locale), selfPath: `/a/${token}` };
}

function otherLanguageHref(ctx: PageContext): string {
  return `${ctx.selfPath}?lang=${ctx.s.otherLanguage.lang}`;
}

export function render(ctx: PageContext, title: string, body: RawHtml): string {
  return publicPage({ s: ctx.s, title, body, otherLanguageHref: otherLanguageHref(ctx) });
}

/** A page that only says something: invalid, not found, closed, rate limited, ... */
export function messagePage(ctx: PageContext, title: string, paragraphs: string[], extra?: RawHtml): string {
  return render(ctx, title, html`<div class="card"><h1>${title}</h1>${paragraphs.map((p) => html`<p>${p}</p>`)}${extra ?? ''}</div>`);
}

export function recordedBox(ctx: PageContext, record: ShownRecord): RawHtml {
  const outcome = ctx.s.outcomes[record.outcome] ?? record.outcome;
  return html`<div class="ok">${ctx.s.recorded(outcome, record.byName, ctx.s.when(record.at))}</div>${
    record.comment ? html`<div class="quote"><strong>${ctx.s.labels.comment}</strong><br>${raw(escapeWithBreaks(record.comment))}</div>` : ''
  }`;
}

function row(label: string, value: string | undefined): RawHtml {
  return value ? html`<tr><td class="l">${label}</td><td>${value}</td></tr>` : html``;
}

/** The venue to show: the one secured, else the one asked for or planned. */
function venueOf(status: ActivityStatus, recipient: Recipient | undefined): string | undefined {
  if (status.venue) return status.venue.venueName;
  if (recipient?.venueName) return recipient.venueName;
  return status.plan.venue.kind === 'community' ? status.plan.venue.venueName : undefined;
}

function activityTable(ctx: PageContext, status: ActivityStatus, recipient: Recipient | undefined): RawHtml {
  const { s } = ctx;
  const p = status.plan;
  return html`<table>${row(s.labels.activity, p.title)}${row(s.labels.theme, p.theme)}${row(s.labels.compound, p.compound)}${row(
    s.labels.time,
    s.range(p.startsAt, p.endsAt),
  )}${row(s.labels.venue, venueOf(status, recipient))}</table>`;
}

function planTable(ctx: PageContext, status: ActivityStatus): RawHtml {
  const { s } = ctx;
  const p = status.plan;
  const need = p.venue.kind === 'community' ? s.venueNeed.community(p.venue.venueName, p.venue.hours) : s.venueNeed.merchant(p.venue.hours);
  const merchants = p.venue.kind === 'merchant' ? p.venue.candidateMerchants.map((m) => `${m.name}（${m.venueName}）`).join('；') : undefined;
  return html`<h2>${s.labels.plan}</h2><table>${row(s.labels.capacity, s.people(p.capacity))}${row(s.labels.budget, s.money(p.budget))}${row(
    s.labels.volunteersNeeded,
    s.people(p.volunteersNeeded),
  )}${row(s.labels.venueNeed, need)}${row(s.labels.candidateMerchants, merchants)}${row(
    s.labels.pointsRules,
    s.pointsRules(p.pointsRules.attendance, p.pointsRules.perVolunteerHour, p.pointsRules.familyLearning ?? 0),
  )}${row(s.labels.round, String(status.approvalRound))}</table>${
    p.description.trim() ? html`<div class="quote"><strong>${s.labels.description}</strong><br>${raw(escapeWithBreaks(p.description))}</div>` : ''
  }`;
}

function escapeWithBreaks(text: string): string {
  return html`${text}`.html.replace(/\r\n|\r|\n/g, '<br>');
}

function stateCard(ctx: PageContext, status: ActivityStatus, open: boolean): RawHtml {
  const { s } = ctx;
  const due = open ? status.pending?.dueAt : undefined;
  return html`<div class="card"><h2>${s.state.heading}</h2><table>${row(s.labels.stage, s.stages[status.stage])}${row(
    s.labels.dueAt,
    due ? s.when(due) : undefined,
  )}</table>${open ? html`<p>${s.state.open}</p>` : ''}</div>`;
}

export interface FormValues {
  /** The answer chosen, echoed back when the form is shown again (never chosen beforehand). */
  choice?: string;
  comment?: string;
  ratings?: Partial<Record<'organisation' | 'participation' | 'effect', string>>;
}

function decisionForm(ctx: PageContext, claims: ActionTokenClaims, csrf: string, values: FormValues): RawHtml {
  const { s } = ctx;
  const step = claims.step as StepName;
  let fields: RawHtml;
  let send: string;
  if (step === 'supervisionFeedback') {
    const select = (name: 'organisation' | 'participation' | 'effect') =>
      html`<label for="${name}">${s.form.ratings[name]}</label><select id="${name}" name="${name}" required><option value="">–</option>${[1, 2, 3, 4, 5].map(
        (n) => html`<option value="${n}"${raw(values.ratings?.[name] === String(n) ? ' selected' : '')}>${n}</option>`,
      )}</select>`;
    // The three ratings, none chosen beforehand, are this form's choice.
    fields = html`<p class="notice">${s.form.ratingHint}</p>${select('organisation')}${select('participation')}${select('effect')}<label for="comment">${s.form.feedbackComment}</label><textarea id="comment" name="comment" maxlength="2000">${values.comment ?? ''}</textarea>`;
    send = s.actions.submit;
  } else {
    // One radio per answer, none checked and required, and one submit button: a mail scanner
    // that presses the first button (or submits the form as it is) has chosen nothing.
    const actions = STEP_ACTIONS[step].filter((a) => claims.act.includes(a));
    const choices = actions.map(
      (a) => html`<label class="choice"><input type="radio" name="choice" value="${a}" required${raw(values.choice === a ? ' checked' : '')}><span>${s.actions[a]}</span></label>`,
    );
    const label = step === 'approval' ? s.form.approvalComment : s.form.venueNote;
    fields = html`<fieldset class="choices"><legend>${s.form.choose[step]}</legend>${choices}</fieldset><label for="comment">${label}</label><textarea id="comment" name="comment" maxlength="2000">${values.comment ?? ''}</textarea>`;
    send = s.form.send;
  }
  return html`<form method="post" action="${ctx.selfPath}?lang=${ctx.locale}"><input type="hidden" name="csrf" value="${csrf}">${fields}<p class="notice">${s.form.noticeGetIsSafe}</p><div class="buttons"><button type="submit">${send}</button></div></form>`;
}

export interface StepPageOptions {
  claims: ActionTokenClaims;
  status: ActivityStatus;
  recipient: Recipient | undefined;
  /** The decision already recorded, when there is one; otherwise the form is shown. */
  record?: ShownRecord;
  /** Shown above the form (a validation message) or above the record. */
  message?: { kind: 'error' | 'ok'; text: string };
  heading?: string;
  csrf: string;
  values?: FormValues;
}

export function stepPage(ctx: PageContext, o: StepPageOptions): string {
  const { s } = ctx;
  const step = o.claims.step as StepName;
  const p = o.status.plan;
  const hours = p.venue.hours;
  const heading = o.heading ?? s.steps[step].heading;
  const ask = s.steps[step].ask(o.recipient?.venueName ?? venueOf(o.status, o.recipient) ?? '', hours);
  const message = o.message ? html`<div class="${o.message.kind}">${o.message.text}</div>` : '';
  const action = o.record ? recordedBox(ctx, o.record) : decisionForm(ctx, o.claims, o.csrf, o.values ?? {});
  const body = html`<div class="card"><h1>${heading}</h1>${message}<p>${ask}</p>${activityTable(ctx, o.status, o.recipient)}${
    step === 'approval' ? planTable(ctx, o.status) : ''
  }</div>${stateCard(ctx, o.status, !o.record)}<div class="card">${action}</div>`;
  return render(ctx, heading, body);
}

/** The expired-link page: a form that asks for a fresh link, sent to the address on file. */
export function expiredPage(ctx: PageContext, csrf: string): string {
  const { s } = ctx;
  const form = html`<form method="post" action="${ctx.selfPath}/refresh?lang=${ctx.locale}"><input type="hidden" name="csrf" value="${csrf}"><div class="buttons"><button type="submit">${s.pages.expired.button}</button></div></form>`;
  return messagePage(ctx, s.pages.expired.title, [s.pages.expired.body], form);
}
