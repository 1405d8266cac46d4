/**
 * The coordinator's dashboard under /dashboard: server-rendered, no script, Simplified Chinese by
 * default (English with ?lang=en, remembered in a cookie). Every page needs a session
 * (api/http/session.ts); what each role sees is decided in access.ts.
 *
 *   GET /dashboard                          cycles, activities with progress, who is waited on
 *   GET /dashboard/activities/:id           one activity: timeline, check-ins, points, feedback
 *   GET /dashboard/leaderboard[?compound=]  families by growth-points balance
 *   GET /dashboard/cycles/:id/report        the cycle report (coordinators), printable, with CSV
 *   GET /dashboard/reports/year             the year report (coordinators), with PDF and CSV (api/reports/year-report-pages.ts)
 *   GET /dashboard/tokens                   API tokens: issue, list, revoke (coordinators; api/tokens/pages.ts)
 *   GET /dashboard/activities/:id/desk      the check-in desk (desk staff; api/check-in/desk-routes.ts)
 *   GET /dashboard/points/award             award points for family learning or volunteering outside an activity (api/points/award-page.ts)
 *   GET /dashboard/points/counter           the rewards counter (desk staff; api/points/counter-page.ts)
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import type { Repositories } from '../../db/repositories';
import type { Locale } from '../../domain/schemas';
import { toHttpError, type Logger } from '../http/errors';
import { html, type RawHtml } from '../http/html';
import { cookiePolicy, requireSession, sessionOf, staffCsrfCookie, staffLocale, type SessionStore, type StaffSession } from '../http/session';
import { signedPage, signedPageOf } from '../http/signed-page';
import { startPageFallbacks } from '../http/start-page';
import { tokenPages } from '../tokens/pages';
import {
  DashboardForbidden,
  DashboardNotFound,
  assertActivityVisible,
  assertFamiliesVisible,
  canSeeEmailAddresses,
  canSeePoints,
  canSeeReport,
  canSeeTemporalUi,
  compoundScope,
} from './access';
import {
  activityStatus,
  checkInsOf,
  compoundNames,
  executionStatusOf,
  leaderboard,
  listActivities,
  listWaiting,
  outboxOf,
  pageOf,
  withEndings,
  peopleByKey,
  pointsOf,
  staffNames,
  temporalUiUrl,
  type DashboardData,
} from './data';
import { dashboardStrings } from './i18n';
import type { PageCtx } from './page-context';
import { messageCard, staffPage } from '../http/layout';
import { themedActivityWorkflowId } from '../../domain/activity';
import { retryNowSignal } from '../../workflows/themed-activity.api';
import { cycleGroups, reportRoutes } from './report';
import { activitySurveySection, roundPageRoutes } from './evaluation';
import { computeActivitySurvey } from '../../reports/outcomes';
import { directoryPageRoutes } from '../people/pages';
import { activityBody, homeBody, leaderboardBody, waitingItems } from './views';
import { registrationPages, registrationSection, type RegistrationPagesDeps } from '../registration/pages';
import { approvalRoutes } from '../links/approvals-page';
import { venueRoutes } from '../activities/venue-page';
import { cyclePageRoutes } from '../cycles/pages';
import { activityPages } from '../activities/pages';
import { deskPages } from '../check-in/desk-routes';
import { pointsAwardPages } from '../points/award-page';
import { counterPages } from '../points/counter-page';
import type { Mailer } from '../../mail/mailer';
import { surveyPages } from '../surveys/pages';
import { yearReportPages } from '../reports/year-report-pages';
import { cycleChartRoutes } from '../reports/cycle-charts';

export interface DashboardDeps extends Pick<RegistrationPagesDeps, 'mail'> {
  client: Client;
  config: Config;
  repos: Repositories;
  sessions: SessionStore;
  logger: Logger;
  /** Signs the action links the approvals page opens and the families' and volunteers' links (the same secret as the emails' links). */
  linkSecret: string;
  /** Epoch ms. */
  now: () => number;
  /** Sends the rewards counter's coupon emails and the merchants' coupon links (api/points/counter-page.ts). */
  mailer: Mailer;
}


const ID = /^[A-Za-z0-9_.:-]{1,64}$/;

export function createDashboardRouter(deps: DashboardDeps): Router {
  const { config, repos, logger } = deps;
  const data: DashboardData = { client: deps.client, config, repos };
  const policy = cookiePolicy(config);
  const router = Router();

  const localeOf = (_req: Request, res: Response): Locale => signedPageOf(res).locale;

  // No rate limit of its own: every page needs a session, and sign-in is limited.
  router.use(
    signedPage({
      now: deps.now,
      rateLimits: [],
      locale: (req, res) => staffLocale(req, res, policy, config.http.defaultLocale),
      csrf: () => staffCsrfCookie(policy),
      rateLimited: () => undefined,
    }),
  );
  router.use(
    requireSession(deps.sessions, policy, (req, res) => {
      const locale = localeOf(req, res);
      const s = dashboardStrings(locale);
      const title = s.errors.unauthorisedTitle;
      res
        .status(401)
        .type('html')
        .send(staffPage({ locale, s, title, body: messageCard(title, [s.errors.unauthorisedBody], html`<p><a href="/sign-in">${s.signIn.heading}</a></p>`), originalUrl: req.originalUrl, narrow: true }));
    }),
  );

  function ctxOf(req: Request, res: Response): PageCtx {
    const locale = localeOf(req, res);
    const s = dashboardStrings(locale);
    const viewer = sessionOf(res);
    const csrf = signedPageOf(res).csrf();
    return {
      locale,
      s,
      viewer,
      csrf,
      render(status, title, body, active) {
        res.status(status).type('html').send(staffPage({ locale, s, title, body, originalUrl: req.originalUrl, viewer, csrf, ...(active ? { active } : {}) }));
      },
    };
  }

  // Before /activities/:id, which would take "new" for an id.
  const activityActions = activityPages(router, { client: deps.client, config, repos, linkSecret: deps.linkSecret, mail: deps.mail, now: deps.now }, ctxOf);

  // ---- home --------------------------------------------------------------------------------
  router.get('/', async (req, res) => {
    const ctx = ctxOf(req, res);
    const scope = compoundScope(ctx.viewer);
    const inScope = scope !== undefined ? { compound: scope } : {};
    const page = pageOf(req.query.page);
    const waitingPage = pageOf(req.query.waiting);
    // Both from the read model, a page each: no Temporal query per activity, none left out.
    const { activities, paging: activityPages } = await listActivities(data, inScope, page);
    const { activities: waitingOnes, paging: waitingPages } = await listWaiting(data, inScope, waitingPage);
    await withEndings(data, [activities, waitingOnes]);
    const compounds = await compoundNames(repos);
    const cycles = await cycleGroups(data, ctx, activities, compounds, activityPages.page > 1);
    const waiting = waitingItems(waitingOnes, deps.now());
    const pageHref = (which: 'page' | 'waiting', n: number) => {
      const at = { page: activityPages.page, waiting: waitingPages.page, [which]: n };
      return `/dashboard/?page=${at.page}&waiting=${at.waiting}`;
    };
    const names = await staffNames(
      repos,
      waiting.map((w) => w.pending.actorId).filter((id): id is string => id !== undefined),
    );
    ctx.render(
      200,
      ctx.s.title,
      homeBody(ctx.s, { viewer: ctx.viewer, ...(scope ? { scopeCompound: scope } : {}), cycles, waiting, names, compounds, activityPages, waitingPages, pageHref, canSeeReport: canSeeReport(ctx.viewer) }),
      'home',
    );
  });

  // ---- one activity ------------------------------------------------------------------------
  router.get('/activities/:id', async (req, res) => {
    const ctx = ctxOf(req, res);
    const id = String(req.params.id);
    if (!ID.test(id)) throw new DashboardNotFound();
    const status = await activityStatus(data, id);
    if (!status) throw new DashboardNotFound();
    assertActivityVisible(ctx.viewer, status.compound);
    const seesPoints = canSeePoints(ctx.viewer);
    const [executionStatus, outbox, checkIns, points, compounds] = await Promise.all([
      executionStatusOf(data, id),
      outboxOf(repos, id),
      checkInsOf(repos, id),
      seesPoints ? pointsOf(repos, id) : Promise.resolve(undefined),
      compoundNames(repos),
    ]);
    const people = await peopleByKey(repos, outbox.map((e) => e.recipientKey), status);
    const names = await staffNames(repos, status.pending?.actorId ? [status.pending.actorId] : []);
    const workflowId = `themed-activity:${id}`;
    const survey = await computeActivitySurvey(repos.surveyRecords, id);
    ctx.render(
      200,
      status.plan.title,
      html`${activityBody(ctx.s, {
        viewer: ctx.viewer,
        status,
        workflowId,
        executionStatus,
        outbox,
        people,
        names,
        checkIns,
        ...(points ? { points } : {}),
        showEmailAddresses: canSeeEmailAddresses(ctx.viewer),
        ...(canSeeTemporalUi(ctx.viewer) ? { temporalUrl: temporalUiUrl(config, workflowId) } : {}),
        compounds,
        actions: await activityActions(ctx, status, req.query),
        csrf: ctx.csrf,
        registrations: await registrationSection(deps, ctx, id, req.query),
      })}${activitySurveySection(ctx.locale, survey)}`,
    );
  });

  // A coordinator asks a stuck activity (status.attention) to try its failed step again now.
  router.post('/activities/:id/retry', express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 5 }), async (req, res) => {
    const ctx = ctxOf(req, res);
    const id = String(req.params.id);
    if (!ID.test(id)) throw new DashboardNotFound();
    if (ctx.viewer.role !== 'coordinator') throw new DashboardForbidden('coordinatorOnly');
    if (!signedPageOf(res).formIsOurs()) {
      const p = ctx.s.page.pages;
      return ctx.render(403, p.badForm.title, messageCard(p.badForm.title, [p.invalid.body]));
    }
    const status = await activityStatus(data, id);
    if (!status) throw new DashboardNotFound();
    if (status.attention) await deps.client.workflow.getHandle(themedActivityWorkflowId(id)).signal(retryNowSignal);
    ctx.render(200, status.plan.title, messageCard(status.plan.title, [ctx.s.activity.retryAsked], html`<p><a href="/dashboard/activities/${id}">${status.plan.title}</a></p>`, 'ok'));
  });

  // ---- leaderboard ---------------------------------------------------------------------------
  router.get('/leaderboard', async (req, res) => {
    const ctx = ctxOf(req, res);
    const asked = typeof req.query.compound === 'string' && req.query.compound !== '' ? req.query.compound : undefined;
    if (asked !== undefined && !ID.test(asked)) throw new DashboardNotFound();
    const own = ctx.viewer.role === 'coordinator' ? undefined : compoundScopeOrPoints(ctx.viewer);
    const compound = asked ?? own;
    assertFamiliesVisible(ctx.viewer, compound);
    const [rows, compounds] = await Promise.all([leaderboard(repos, compound), compoundNames(repos)]);
    const allowAll = ctx.viewer.role === 'coordinator';
    ctx.render(
      200,
      ctx.s.leaderboard.heading,
      leaderboardBody(ctx.s, { rows, compounds, choices: allowAll ? [...compounds.keys()] : own ? [own] : [], allowAll, selected: compound }),
      'leaderboard',
    );
  });

  reportRoutes(router, data, ctxOf);
  roundPageRoutes(router, data, ctxOf);
  yearReportPages(router, { repos, config, now: deps.now }, ctxOf);
  cycleChartRoutes(router, data, ctxOf);
  tokenPages(router, { repos, now: deps.now }, ctxOf);
  registrationPages(router, deps, ctxOf);

  approvalRoutes(router, { data, linkSecret: deps.linkSecret, now: deps.now }, ctxOf);
  venueRoutes(router, data, ctxOf);
  cyclePageRoutes(router, data, ctxOf);
  directoryPageRoutes(router, { repos, now: deps.now }, ctxOf);
  // The check-in desk (/activities/:id/desk and its JSON endpoints).
  deskPages(router, { repos, config, now: deps.now, logger }, ctxOf);
  pointsAwardPages(router, { repos, now: deps.now }, ctxOf);
  counterPages(router, { repos, config, mailer: deps.mailer, linkSecret: deps.linkSecret, logger, now: deps.now }, ctxOf);
  // Outcome evaluation: questionnaires, and a cycle's questionnaires (api/surveys/pages.ts).
  surveyPages(router, { repos, config, now: deps.now }, ctxOf);
  // Keep last before the 404: the roles' own start pages, until their feature pages are mounted above.
  startPageFallbacks(router);

  // Anything else under /dashboard: a page, not JSON.
  router.use(() => {
    throw new DashboardNotFound();
  });

  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const locale = localeOf(req, res);
    const s = dashboardStrings(locale);
    const viewer = res.locals.staffSession as StaffSession | undefined;
    let status: number;
    let title: string;
    let body: string;
    if (err instanceof DashboardForbidden) {
      status = 403;
      title = s.errors.forbiddenTitle;
      body = s.errors.forbidden[err.reason];
    } else if (err instanceof DashboardNotFound) {
      status = 404;
      title = s.errors.notFoundTitle;
      body = s.errors.notFoundBody;
    } else {
      const known = toHttpError(err);
      status = known?.status ?? 500;
      for (const [name, value] of Object.entries(known?.headers ?? {})) res.setHeader(name, value);
      if (!known || status >= 500) logger.error('dashboard: request failed', { path: req.path, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      const p = s.page.pages;
      [title, body] = status === 503 ? [p.unavailable.title, p.unavailable.body] : [p.error.title, p.error.body];
    }
    const csrf = viewer ? signedPageOf(res).csrf() : undefined;
    res
      .status(status)
      .type('html')
      .send(staffPage({ locale, s, title, body: messageCard(title, [body]), originalUrl: req.originalUrl, ...(viewer ? { viewer, csrf: csrf ?? '' } : {}) }));
  });

  return router;
}

/** A property manager's or grid worker's compound; a supervisor sees no families' points at all. */
function compoundScopeOrPoints(viewer: StaffSession): string | undefined {
  if (viewer.role === 'supervisor') throw new DashboardForbidden('points');
  return compoundScope(viewer);
}

