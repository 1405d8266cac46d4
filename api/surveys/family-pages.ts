/**
 * A family's survey page, reached from its emailed link (the rules of shared NOTES-links.md hold):
 *
 *   GET  /survey/<token>   shows: the consent text with a required agree/disagree choice (no
 *                          default, so a mail scanner that clicks cannot consent), then the items in
 *                          the family's language; or, once answered, "已提交于 <time>" and the
 *                          withdraw button; or that the survey closed. Never acts.
 *   POST /survey/<token>   `action=submit`: consent and the answers, one submit; a second submit
 *                          changes nothing and says when the first was. `action=withdraw`: erases
 *                          the answers (the row stays, as the record of the withdrawal).
 *
 * The token is signed and bound to the invitation and the family (links/survey-links.ts). Forms
 * carry the CSRF value (cookie scoped to the page's path) and an Origin check; every POST is
 * written to the action audit with its outcome (who, when, IP, user agent), never with an answer. No script; one narrow column, readable at 390 px.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../../config';
import type { Repositories } from '../../db/repositories';
import { SurveyError, type InvitationView } from '../../db/services/surveys';
import type { QuestionnaireDefinition, QuestionnaireItem } from '../../domain/questionnaire';
import { answerField, checkAnswers } from '../../domain/questionnaire-answers';
import type { Locale } from '../../domain/schemas';
import { catalogFor } from '../../i18n';
import type { SurveyProse } from '../../i18n/catalog';
import { formatDateTime } from '../../i18n/format';
import { SURVEY_PAGE_PREFIX, readSurveyToken } from '../../links/survey-links';
import { toHttpError, type Logger } from '../http/errors';
import { html, raw, type RawHtml } from '../http/html';
import { otherLanguageHref, publicPage } from '../http/layout';
import { pickLocale } from '../http/locale';
import type { RateLimitOptions } from '../http/rate-limit';
import { formField } from '../http/session';
import { signedPage, signedPageOf } from '../http/signed-page';
import { CSRF_COOKIE } from '../links/routes';
import type { AuditLog, AuditOutcome } from '../links/audit';

export interface SurveyPageDeps {
  repos: Repositories;
  config: Config;
  linkSecret: string;
  logger: Logger;
  now: () => number;
  /** Who answered or withdrew, when, from where: the action audit (the outcome only, never an answer). */
  audit: AuditLog;
  /** Per client IP over these pages. */
  rateLimit: RateLimitOptions;
}

const STYLE = `
.item{margin:0 0 6px;padding:10px 0;border-top:1px solid #eee4d4}
.item:first-of-type{border-top:0}
.req{font-size:13px;color:#8a1c12;font-weight:400;margin-left:6px}
.opt{font-size:13px;color:#6b6b6b;font-weight:400;margin-left:6px}
.item.invalid legend,.item.invalid label.q{color:#8a1c12}
.consent{white-space:pre-line}
/* The consent choice's group name, for screen readers: the card's heading already shows it. */
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

interface Ctx {
  locale: Locale;
  p: SurveyProse['family'];
  links: ReturnType<typeof catalogFor>['links'];
  when: (iso: string) => string;
  /** The page's own path, with the language kept for the forms. */
  action: string;
}

/** The page of one questionnaire as a family sees it: consent, then the items (also the coordinator's preview). */
export function questionnaireForm(
  definition: QuestionnaireDefinition,
  locale: Locale,
  o: { action?: string; csrf?: string; values?: Record<string, string>; errors?: { consent?: boolean; items?: ReadonlySet<string> }; preview?: boolean },
): RawHtml {
  const p = catalogFor(locale).surveys.family;
  const values = o.values ?? {};
  const bad = o.errors?.items ?? new Set<string>();
  const radio = (name: string, value: string, label: string) =>
    html`<label class="choice"><input type="radio" name="${name}" value="${value}"${raw(values[name] === value ? ' checked' : '')}${raw(o.preview ? ' disabled' : '')}><span>${label}</span></label>`;
  const mark = (item: QuestionnaireItem) => (item.required ? html`<span class="req">${p.required}</span>` : html`<span class="opt">${p.optional}</span>`);
  const itemHtml = (item: QuestionnaireItem, n: number): RawHtml => {
    const name = answerField(item.id);
    const cls = bad.has(item.id) ? 'item invalid' : 'item';
    const question = `${n}. ${item.text[locale]}`;
    if (item.kind === 'text') {
      return html`<div class="${cls}" id="q-${item.id}"><label class="q" for="${name}">${question}${mark(item)}</label><textarea id="${name}" name="${name}" maxlength="${item.maxLength}"${raw(o.preview ? ' disabled' : '')}>${values[name] ?? ''}</textarea></div>`;
    }
    const choices =
      item.kind === 'likert'
        ? item.labels.map((label, i) => radio(name, String(i + 1), p.likertPoint(i + 1, label[locale])))
        : item.kind === 'yesNo'
          ? [radio(name, 'yes', p.yes), radio(name, 'no', p.no)]
          : item.options.map((opt) => radio(name, opt.id, opt.text[locale]));
    return html`<fieldset class="choices ${cls}" id="q-${item.id}"><legend>${question}${mark(item)}</legend>${choices}</fieldset>`;
  };
  const consent = html`<div class="card${o.errors?.consent ? ' invalid' : ''}" id="consent"><h2>${p.consentHeading}</h2><p class="consent">${definition.consent[locale]}</p><fieldset class="choices"><legend class="sr">${p.consentHeading}</legend>${radio('consent', 'agree', p.agree)}${radio('consent', 'disagree', p.disagree)}</fieldset></div>`;
  const items = html`<div class="card"><h2>${definition.title[locale]}</h2>${definition.items.map((item, i) => itemHtml(item, i + 1))}${
    o.preview ? html`<p class="notice">${catalogFor(locale).surveys.staff.previewNote}</p>` : html`<div class="buttons"><button type="submit" name="action" value="submit">${p.submit}</button></div>`
  }</div>`;
  if (o.preview) return html`${consent}${items}`;
  return html`<form method="post" action="${o.action ?? ''}"><input type="hidden" name="csrf" value="${o.csrf ?? ''}">${consent}${items}</form>`;
}

export function createSurveyPagesRouter(deps: SurveyPageDeps): Router {
  const { repos, config, now } = deps;
  const router = Router();
  const secure = config.http.publicBaseUrl.startsWith('https:');
  const publicOrigin = new URL(config.http.publicBaseUrl).origin;
  const surveys = repos.surveys({ now: () => new Date(now()) });
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 });
  const PATH = `${SURVEY_PAGE_PREFIX}/:token`;
  const pathOf = (req: Request): string => req.originalUrl.split('?')[0] ?? '/';

  router.use(
    SURVEY_PAGE_PREFIX,
    signedPage({
      now,
      rateLimits: [deps.rateLimit],
      locale: (req) => pickLocale(req, config.http.defaultLocale),
      csrf: (req) => ({ name: CSRF_COOKIE, path: pathOf(req), secure, publicOrigin }),
      rateLimited(req, res) {
        const ctx = ctxOf(req, res);
        message(req, res, ctx, 429, ctx.p.pages.rateLimited);
      },
    }),
  );

  function ctxOf(req: Request, res: Response): Ctx {
    const locale = (res.locals.signedPage ? signedPageOf(res).locale : undefined) ?? pickLocale(req, config.http.defaultLocale);
    const catalog = catalogFor(locale);
    return { locale, p: catalog.surveys.family, links: catalog.links, when: (iso) => formatDateTime(iso, locale, undefined, now()), action: `${pathOf(req)}?lang=${locale}` };
  }

  function send(req: Request, res: Response, ctx: Ctx, status: number, title: string, body: RawHtml): void {
    res
      .status(status)
      .type('html')
      .send(publicPage({ s: ctx.links, title, body, otherLanguageHref: otherLanguageHref(req.originalUrl, ctx.links.otherLanguage.lang), style: STYLE }));
  }
  function message(req: Request, res: Response, ctx: Ctx, status: number, m: { title: string; body: string }): void {
    send(req, res, ctx, status, m.title, html`<div class="card"><h1>${m.title}</h1><p>${m.body}</p></div>`);
  }

  /** The invitation behind a good token, or the error page already sent. */
  async function invitationOf(req: Request, res: Response, ctx: Ctx): Promise<InvitationView | undefined> {
    const link = readSurveyToken(String(req.params.token ?? ''), deps.linkSecret, now());
    if (link.kind === 'invalid') return void message(req, res, ctx, 400, ctx.p.pages.invalid);
    if (link.kind === 'expired') return void message(req, res, ctx, 410, ctx.p.pages.expired);
    const view = await surveys.invitation(link.invitationId);
    // The family named in the token must be the invitation's: a token for another family's invitation is not this one.
    if (!view || view.familyId !== link.familyId) return void message(req, res, ctx, 404, ctx.p.pages.notFound);
    return view;
  }

  /** What the page shows for the invitation's state, with an optional note above it. */
  function showState(req: Request, res: Response, ctx: Ctx, view: InvitationView, status: number, note?: { kind: 'ok' | 'error'; text: string }, values?: Record<string, string>, errors?: { consent?: boolean; items?: ReadonlySet<string> }): void {
    const d = view.definition;
    const title = d.title[ctx.locale];
    const noteHtml = note ? html`<div class="${note.kind}">${note.text}</div>` : '';
    const head = html`<div class="card"><h1>${title}</h1><p class="notice">${view.about}</p>${noteHtml}</div>`;
    const csrf = signedPageOf(res).csrf();
    if (view.response) {
      const r = view.response;
      const state = r.withdrawnAt
        ? html`<div class="card"><p class="ok">${ctx.p.withdrawnAt(ctx.when(r.withdrawnAt))}</p></div>`
        : html`<div class="card"><p class="ok">${ctx.p.submittedAt(ctx.when(r.submittedAt))}</p><p>${ctx.p.thanks}</p></div><div class="card"><h2>${ctx.p.withdrawHeading}</h2><p class="notice">${ctx.p.withdrawBody}</p><form method="post" action="${ctx.action}"><input type="hidden" name="csrf" value="${csrf}"><div class="buttons"><button type="submit" class="secondary" name="action" value="withdraw">${ctx.p.withdraw}</button></div></form></div>`;
      return send(req, res, ctx, status, title, html`${head}${state}`);
    }
    if (now() >= Date.parse(view.round.closesAt)) {
      return send(req, res, ctx, status === 200 ? 200 : status, title, html`${head}<div class="card"><p>${ctx.p.closedAt(ctx.when(view.round.closesAt))}</p></div>`);
    }
    send(req, res, ctx, status, title, html`${head}${questionnaireForm(d, ctx.locale, { action: ctx.action, csrf, ...(values ? { values } : {}), ...(errors ? { errors } : {}) })}`);
  }

  router.get(PATH, async (req, res) => {
    const ctx = ctxOf(req, res);
    const view = await invitationOf(req, res, ctx);
    if (view) showState(req, res, ctx, view, 200);
  });

  router.post(PATH, form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const view = await invitationOf(req, res, ctx);
    if (!view) return;
    const action = formField(req.body, 'action');
    const audit = (outcome: AuditOutcome) =>
      deps.audit.record({ workflowId: `survey:${view.invitationId}`, step: 'survey', round: 0, recipientKey: `family:${view.familyId}`, action: action || '(none)', outcome, comment: '', ip: req.ip, userAgent: req.get('user-agent') });
    if (!signedPageOf(res).formIsOurs()) {
      await audit('invalid');
      return message(req, res, ctx, 403, ctx.p.pages.badForm);
    }

    if (action === 'withdraw') {
      const w = await surveys.withdraw(view.invitationId);
      await audit(w.outcome === 'withdrawn' ? 'recorded' : w.outcome === 'alreadyWithdrawn' ? 'alreadyDecided' : 'invalid');
      const fresh = (await surveys.invitation(view.invitationId)) ?? view;
      if (w.outcome === 'nothingToWithdraw') return showState(req, res, ctx, fresh, 409, { kind: 'error', text: ctx.p.nothingToWithdraw });
      return showState(req, res, ctx, fresh, 200);
    }
    if (action !== 'submit') return message(req, res, ctx, 400, ctx.p.pages.badForm);

    // Answered already (or withdrawn): the same page as before, nothing changes.
    if (view.response) {
      await audit('alreadyDecided');
      return showState(req, res, ctx, view, 200);
    }
    if (now() >= Date.parse(view.round.closesAt)) {
      await audit('stepClosed');
      return showState(req, res, ctx, view, 409);
    }

    const values: Record<string, string> = {};
    for (const item of view.definition.items) values[answerField(item.id)] = formField(req.body, answerField(item.id));
    values.consent = formField(req.body, 'consent');
    const consented = values.consent === 'agree';
    const checked = checkAnswers(view.definition, values);
    if (!consented || !checked.ok) {
      await audit('invalid');
      const textOf = (id: string) => {
        const n = view.definition.items.findIndex((i) => i.id === id);
        return `${n + 1}. ${view.definition.items[n]?.text[ctx.locale] ?? id}`;
      };
      const lines = [
        ...(consented ? [] : [ctx.p.consentRequired]),
        ...(!checked.ok && checked.missing.length ? [ctx.p.missingItems(checked.missing.map(textOf).join('；'))] : []),
        ...(!checked.ok && checked.invalid.length ? [ctx.p.invalidItems(checked.invalid.map(textOf).join('；'))] : []),
      ];
      return showState(req, res, ctx, view, 400, { kind: 'error', text: lines.join(' ') }, values, {
        consent: !consented,
        items: new Set(checked.ok ? [] : [...checked.missing, ...checked.invalid]),
      });
    }
    try {
      const done = await surveys.submit({ invitationId: view.invitationId, answers: checked.answers, consented: true });
      await audit(done.outcome === 'recorded' ? 'recorded' : 'alreadyDecided');
    } catch (err) {
      if (err instanceof SurveyError && err.code === 'ROUND_CLOSED') {
        await audit('stepClosed');
        return showState(req, res, ctx, view, 409);
      }
      throw err;
    }
    showState(req, res, ctx, (await surveys.invitation(view.invitationId)) ?? view, 200);
  });

  router.use(SURVEY_PAGE_PREFIX, (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const known = toHttpError(err);
    if (known?.status === 503) return next(err);
    // The error's message only: a stack here never carries the form's answers.
    if (!known || known.status >= 500) deps.logger.error('survey page failed', { error: err instanceof Error ? err.message : String(err) });
    const ctx = ctxOf(req, res);
    message(req, res, ctx, known?.status ?? 500, (known?.status ?? 500) < 500 ? ctx.p.pages.invalid : ctx.p.pages.error);
  });

  return router;
}
