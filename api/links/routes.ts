/**
 * Action links from emails (`/a/:token`), per shared NOTES-links.md:
 * - GET/HEAD only shows what is asked, its state and a form; only a form POST acts.
 * - The token is signed and bound to workflow, step, round, recipient, actions and expiry; the
 *   decision's `by` is the token's recipient, looked up in the directory (or the plan, for merchants).
 * - Decisions are idempotent (a repeat shows what was recorded), stale rounds show "closed",
 *   bad tokens get 4xx pages, every decision POST is audited, requests are rate-limited per IP,
 *   and forms carry a double-submit CSRF cookie plus an Origin check.
 * - A decision is a choice with no default (a required radio, or the feedback's ratings), then one
 *   submit: a mail scanner that presses the first button or submits the form decides nothing, and
 *   a POST without the choice gets a 400 page naming it.
 */
import { randomUUID } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../../config';
import type { Repositories } from '../../db/repositories';
import type { Mailer } from '../../mail/mailer';
import type { Actor, ApprovalDecision, MerchantAnswer, SupervisionFeedback } from '../../domain/schemas';
import { actionUrl, signActionToken, verifyActionToken, type ActionTokenClaims } from '../../links/action-token';
import { deliverRecorded } from '../../mail/outbox';
import type { EmailMessage } from '../../domain/emails';
import type { RenderEmail } from '../../mail/messages';
import type { ActivitySummaryForEmail } from '../../domain/activity';
import { answerVenueRequestUpdate, decideApprovalUpdate, statusQuery, submitFeedbackUpdate } from '../../workflows/themed-activity.api';
import { RejectionType, themedActivityWorkflowId, type ActivityStatus, type DecisionRecord, type FeedbackRecord } from '../../domain/activity';
import type { AuditLog, AuditOutcome } from './audit';
import { staffById } from '../people/directory';
import { linkRecipientRefusal } from '../../domain/access';
import { updateRejection, type HtmlErrorPages, type Logger } from '../http/errors';
import type { ActionName, StepName } from '../../i18n/catalog';
import { pickLocale } from './i18n';
import {
  STEP_ACTIONS,
  expiredPage,
  messagePage,
  pageContext,
  stepPage,
  type FormValues,
  type PageContext,
  type Recipient,
  type ShownRecord,
} from './pages';
import type { RateLimitOptions } from '../http/rate-limit';
import { formField } from '../http/session';
import { signedPage, signedPageOf } from '../http/signed-page';

export interface ActionLinkDeps {
  client: Client;
  config: Config;
  repos: Repositories;
  linkSecret: string;
  mailer: Mailer;
  render: RenderEmail;
  audit: AuditLog;
  logger: Logger;
  now: () => number;
  rateLimit: RateLimitOptions;
  /** Least time between two fresh links for the same recipient and step (ms). */
  refreshCooldownMs?: number;
}

export const CSRF_COOKIE = 'a_csrf';
const WORKFLOW_ID_PREFIX = themedActivityWorkflowId('');
const MAX_COMMENT = 2000;

type Verified = { kind: 'ok'; claims: ActionTokenClaims } | { kind: 'expired'; claims: ActionTokenClaims } | { kind: 'invalid' };
type StepState = { kind: 'open' } | { kind: 'recorded'; record: ShownRecord } | { kind: 'closed' };

function shownOf(record: DecisionRecord | FeedbackRecord): ShownRecord {
  return {
    outcome: 'outcome' in record ? record.outcome : 'submitted',
    byName: record.by?.name ?? '',
    at: record.at,
    comment: record.comment ?? '',
  };
}

/** Where the step this token belongs to stands, from the status query. */
export function stepState(status: ActivityStatus, claims: ActionTokenClaims): StepState {
  switch (claims.step) {
    case 'approval': {
      // A later round exists: this link's round is over, whatever was decided in it.
      if (claims.round < status.approvalRound) return { kind: 'closed' };
      const decided = status.decisions.find((d) => d.kind === 'approval' && d.round === claims.round);
      if (decided) return { kind: 'recorded', record: shownOf(decided) };
      return status.stage === 'approval' && status.approvalRound === claims.round ? { kind: 'open' } : { kind: 'closed' };
    }
    case 'venueRequest': {
      const answered = status.decisions.find((d) => d.kind === 'merchantAnswer' && d.round === claims.round);
      if (answered) return { kind: 'recorded', record: shownOf(answered) };
      const asking = status.stage === 'venueRequest' && status.pending?.action === 'answerVenueRequest';
      return asking && status.counts.merchantsAsked === claims.round ? { kind: 'open' } : { kind: 'closed' };
    }
    case 'supervisionFeedback': {
      if (status.feedback) return { kind: 'recorded', record: shownOf(status.feedback) };
      return status.stage === 'supervisionFeedback' ? { kind: 'open' } : { kind: 'closed' };
    }
    default:
      return { kind: 'closed' };
  }
}

export function createActionLinkRouter(deps: ActionLinkDeps): Router {
  const { client, config, logger, now } = deps;
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 20 });
  const secure = config.http.publicBaseUrl.startsWith('https:');
  const publicOrigin = new URL(config.http.publicBaseUrl).origin;
  const lastRefresh = new Map<string, number>();
  const refreshCooldownMs = deps.refreshCooldownMs ?? 5 * 60_000;

  const ctxOf = (req: Request, res: Response): PageContext => pageContext(signedPageOf(res).locale, String(req.params.token ?? ''));

  const send = (res: Response, status: number, body: string): void => {
    res.status(status).type('html').send(body);
  };

  function verify(token: string): Verified {
    const result = verifyActionToken(token, deps.linkSecret, now());
    if (result.ok) return result.claims.step === 'signIn' ? { kind: 'invalid' } : { kind: 'ok', claims: result.claims };
    if (result.reason === 'expired') {
      // The signature is good; read the claims to offer a fresh link (epoch 0: never "expired").
      const again = verifyActionToken(token, deps.linkSecret, 0);
      if (again.ok && again.claims.step !== 'signIn') return { kind: 'expired', claims: again.claims };
    }
    return { kind: 'invalid' };
  }

  /**
   * Where the activity stands, from the read model its workflow keeps (migration 017), which it
   * writes before it sends a link: no Temporal query. A run the read model has not seen (started
   * before it) is asked once, and the answer kept until the run writes its own.
   */
  async function loadStatus(workflowId: string): Promise<ActivityStatus | undefined> {
    const activityId = workflowId.startsWith(WORKFLOW_ID_PREFIX) ? workflowId.slice(WORKFLOW_ID_PREFIX.length) : undefined;
    const row = activityId === undefined ? undefined : await deps.repos.activities.readModel(activityId);
    if (row?.status) return row.status;
    try {
      const status = await client.workflow.getHandle(workflowId).query(statusQuery);
      if (row) await deps.repos.activities.backfillStatus(row.id, status);
      return status;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  async function resolveRecipient(key: string, status: ActivityStatus): Promise<Recipient | undefined> {
    const m = /^(staff|merchant):(.+)$/.exec(key);
    if (!m) return undefined;
    const [, kind, id] = m as unknown as [string, 'staff' | 'merchant', string];
    if (kind === 'staff') {
      const row = await staffById(deps.repos, id);
      return row ? { key, kind, id, name: row.name, email: row.email, locale: row.locale, role: row.role } : undefined;
    }
    // The plan says whom the link may be for; the directory says who that is now.
    const venue = status.plan.venue;
    const candidate = venue.kind === 'merchant' ? venue.candidateMerchants.find((c) => c.id === id) : undefined;
    if (!candidate) return undefined;
    const onFile = await deps.repos.directory.getMerchant(id);
    const email = onFile?.email ?? candidate.email;
    if (!email) return undefined;
    return { key, kind, id, name: onFile?.name ?? candidate.name, email, locale: onFile?.locale ?? candidate.locale, role: 'merchant', venueName: candidate.venueName };
  }

  /**
   * Whether the link's staff recipient has since moved to another compound than the activity's
   * (the directory's current entry, not the compound they had when the link was sent).
   */
  async function noLongerTheirs(key: string, status: ActivityStatus): Promise<boolean> {
    const id = /^staff:(.+)$/.exec(key)?.[1];
    const row = id === undefined ? undefined : await staffById(deps.repos, id);
    return row !== undefined && linkRecipientRefusal({ role: row.role, compound: row.compound_id }, status.plan.compound) !== null;
  }
  const notYoursPage = (ctx: PageContext) => messagePage(ctx, ctx.s.pages.notYours.title, [ctx.s.pages.notYours.body]);

  // Every /a/ response: not cached, not indexed, rate-limited per client IP; the CSRF cookie is
  // scoped to the link's own page, `/a/<token>` (its refresh form posts under it).
  router.use(
    signedPage({
      now,
      rateLimits: [deps.rateLimit],
      locale: (req) => pickLocale(req, config.http.defaultLocale),
      csrf: (req) => ({ name: CSRF_COOKIE, path: `/a/${/^\/([^/]*)/.exec(req.path)?.[1] ?? ''}`, secure, publicOrigin }),
      rateLimited(_req, res, page) {
        const ctx = pageContext(page.locale, '');
        send(res, 429, messagePage(ctx, ctx.s.pages.rateLimited.title, [ctx.s.pages.rateLimited.body]));
      },
    }),
  );
  const issueCsrf = (res: Response): string => signedPageOf(res).csrf();
  const formIsOurs = (res: Response): boolean => signedPageOf(res).formIsOurs();

  // ---- GET (and HEAD): show, never act ---------------------------------------------------------
  router.get('/:token', async (req, res) => {
    const ctx = ctxOf(req, res);
    const { s } = ctx;
    const token = String(req.params.token);
    const v = verify(token);
    if (v.kind === 'invalid') return send(res, 400, messagePage(ctx, s.pages.invalid.title, [s.pages.invalid.body]));
    if (v.kind === 'expired') return send(res, 410, expiredPage(ctx, issueCsrf(res)));
    const status = await loadStatus(v.claims.wf);
    if (!status) return send(res, 404, messagePage(ctx, s.pages.notFound.title, [s.pages.notFound.body]));
    const state = stepState(status, v.claims);
    if (state.kind === 'closed') return send(res, 409, messagePage(ctx, s.pages.closed.title, [s.pages.closed.body(s.stages[status.stage])]));
    if (state.kind === 'open' && (await noLongerTheirs(v.claims.rcp, status))) return send(res, 403, notYoursPage(ctx));
    const recipient = await resolveRecipient(v.claims.rcp, status);
    const csrf = issueCsrf(res);
    send(res, 200, stepPage(ctx, { claims: v.claims, status, recipient, csrf, ...(state.kind === 'recorded' ? { record: state.record } : {}) }));
  });

  // ---- POST: the one place a link acts ---------------------------------------------------------
  router.post('/:token', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const { s } = ctx;
    const token = String(req.params.token);
    const v = verify(token);
    if (v.kind === 'invalid') {
      logger.warn('action link: invalid token posted', { ip: req.ip });
      return send(res, 400, messagePage(ctx, s.pages.invalid.title, [s.pages.invalid.body]));
    }
    const claims = v.claims;
    const step = claims.step as StepName;
    // The answer is a choice the person makes on the page (a radio with none checked beforehand);
    // the feedback form has one answer, and its ratings are the choice (checked below).
    const action = step === 'supervisionFeedback' ? 'submit' : formField(req.body, 'choice');
    const comment = formField(req.body, 'comment').trim();
    const audit = (outcome: AuditOutcome) =>
      deps.audit.record({
        workflowId: claims.wf,
        step: claims.step,
        round: claims.round,
        recipientKey: claims.rcp,
        action: action || '(none)',
        outcome,
        comment,
        ip: req.ip,
        userAgent: req.get('user-agent'),
      });

    if (v.kind === 'expired') {
      await audit('invalid');
      return send(res, 410, expiredPage(ctx, issueCsrf(res)));
    }
    if (!formIsOurs(res)) {
      await audit('invalid');
      return send(res, 403, messagePage(ctx, s.pages.forbidden.title, [s.pages.forbidden.body]));
    }
    const status = await loadStatus(claims.wf);
    if (!status) {
      await audit('invalid');
      return send(res, 404, messagePage(ctx, s.pages.notFound.title, [s.pages.notFound.body]));
    }
    const closedPage = (st: ActivityStatus) => messagePage(ctx, s.pages.closed.title, [s.pages.closed.body(s.stages[st.stage])]);
    const state = stepState(status, claims);
    if (state.kind === 'closed') {
      await audit('stepClosed');
      return send(res, 409, closedPage(status));
    }
    const recipient = await resolveRecipient(claims.rcp, status);
    const csrf = formField(req.body, 'csrf');
    if (state.kind === 'recorded') {
      await audit('alreadyDecided');
      return send(res, 200, stepPage(ctx, { claims, status, recipient, csrf, record: state.record, heading: s.pages.already.title, message: { kind: 'ok', text: s.pages.already.body } }));
    }
    if (!recipient) {
      await audit('invalid');
      return send(res, 422, messagePage(ctx, s.pages.notAllowed.title, [s.pages.notAllowed.body]));
    }
    if (await noLongerTheirs(claims.rcp, status)) {
      await audit('invalid');
      return send(res, 403, notYoursPage(ctx));
    }

    // Validate the form before asking the workflow.
    const values: FormValues = {
      choice: action,
      comment,
      ratings: {
        organisation: formField(req.body, 'organisation'),
        participation: formField(req.body, 'participation'),
        effect: formField(req.body, 'effect'),
      },
    };
    const formError = (text: string) =>
      send(res, 400, stepPage(ctx, { claims, status, recipient, csrf, values, heading: s.pages.badForm.title, message: { kind: 'error', text } }));
    const allowed = STEP_ACTIONS[step] as readonly string[];
    if (action === '') {
      // What a mail scanner sends when it submits the form as it is: nothing is decided.
      await audit('invalid');
      return formError(s.validation.choiceRequired(STEP_ACTIONS[step].filter((a) => claims.act.includes(a)).map((a) => s.actions[a])));
    }
    if (!allowed.includes(action) || !claims.act.includes(action)) {
      await audit('invalid');
      return formError(s.validation.unknownAction);
    }
    if (comment.length > MAX_COMMENT) {
      await audit('invalid');
      return formError(s.validation.tooLong);
    }
    if (step === 'approval' && action !== 'approve' && comment.length === 0) {
      await audit('invalid');
      return formError(s.validation.commentRequired);
    }
    const ratings = { organisation: 0, participation: 0, effect: 0 };
    if (step === 'supervisionFeedback') {
      for (const key of Object.keys(ratings) as (keyof typeof ratings)[]) {
        const text = values.ratings?.[key] ?? '';
        ratings[key] = /^[1-5]$/.test(text) ? Number(text) : 0;
      }
      if (Object.values(ratings).some((r) => r === 0)) {
        await audit('invalid');
        return formError(s.validation.ratingsRequired);
      }
    }

    const by: Actor = { id: recipient.id, name: recipient.name, role: recipient.role };
    const handle = client.workflow.getHandle(claims.wf);
    let record: DecisionRecord | FeedbackRecord;
    try {
      if (step === 'approval') {
        const decision: ApprovalDecision = { round: claims.round, decision: action as ApprovalDecision['decision'], comment, by };
        record = await handle.executeUpdate(decideApprovalUpdate, { args: [decision] });
      } else if (step === 'venueRequest') {
        const answer: MerchantAnswer = { attempt: claims.round, merchantId: recipient.id, answer: action as MerchantAnswer['answer'], note: comment };
        record = await handle.executeUpdate(answerVenueRequestUpdate, { args: [answer] });
      } else {
        const feedback: SupervisionFeedback = { ratings, comment, by };
        record = await handle.executeUpdate(submitFeedbackUpdate, { args: [feedback] });
      }
    } catch (err) {
      const rejection = updateRejection(err);
      if (rejection?.type === RejectionType.alreadyDecided) {
        await audit('alreadyDecided');
        const details = rejection.details as DecisionRecord | FeedbackRecord | undefined;
        const fresh = await loadStatus(claims.wf);
        const current = fresh ? stepState(fresh, claims) : undefined;
        const shown = details && typeof details === 'object' && 'at' in details ? shownOf(details) : current?.kind === 'recorded' ? current.record : undefined;
        if (!shown) return send(res, 200, messagePage(ctx, s.pages.already.title, [s.pages.already.body]));
        return send(
          res,
          200,
          stepPage(ctx, {
            claims,
            status: fresh ?? status,
            recipient,
            csrf,
            heading: s.pages.already.title,
            message: { kind: 'ok', text: s.pages.already.body },
            record: shown,
          }),
        );
      }
      if (rejection?.type === RejectionType.stepClosed || err instanceof WorkflowNotFoundError) {
        await audit('stepClosed');
        return send(res, 409, closedPage((await loadStatus(claims.wf)) ?? status));
      }
      if (rejection?.type === RejectionType.invalidInput) {
        await audit('invalid');
        return formError(rejection.message);
      }
      if (rejection?.type === RejectionType.notAllowed) {
        await audit('invalid');
        return send(res, 422, messagePage(ctx, s.pages.notAllowed.title, [s.pages.notAllowed.body, rejection.message]));
      }
      throw err;
    }
    await audit('recorded');
    // The Update's own result is the answer: what was recorded, by whom, when. Nothing is asked again.
    send(
      res,
      200,
      stepPage(ctx, { claims, status, recipient, csrf, record: shownOf(record), heading: s.pages.success.title, message: { kind: 'ok', text: s.pages.success.body } }),
    );
  });

  // ---- POST refresh: a fresh link to the address on file -------------------------------------
  router.post('/:token/refresh', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const { s } = ctx;
    const v = verify(String(req.params.token));
    if (v.kind === 'invalid') return send(res, 400, messagePage(ctx, s.pages.invalid.title, [s.pages.invalid.body]));
    if (!formIsOurs(res)) return send(res, 403, messagePage(ctx, s.pages.forbidden.title, [s.pages.forbidden.body]));
    // Answer at once and the same way whether or not a link goes out; decide and send afterwards.
    send(res, 200, messagePage(ctx, s.pages.refreshSent.title, [s.pages.refreshSent.body]));
    sendFreshLink(v.claims).catch((err: unknown) => logger.error('action link: could not send a fresh link', { workflowId: v.claims.wf, error: String(err) }));
  });

  async function sendFreshLink(claims: ActionTokenClaims): Promise<void> {
    const status = await loadStatus(claims.wf);
    if (!status || stepState(status, claims).kind !== 'open') return;
    const recipient = await resolveRecipient(claims.rcp, status);
    if (!recipient || (await noLongerTheirs(claims.rcp, status))) return;
    const key = `${claims.wf}|${claims.step}|${claims.round}|${claims.rcp}`;
    const last = lastRefresh.get(key);
    if (last !== undefined && now() - last < refreshCooldownMs) return;
    lastRefresh.set(key, now());
    if (lastRefresh.size > 10_000) lastRefresh.delete(lastRefresh.keys().next().value as string);

    const expMs = now() + config.links.graceMs;
    const token = signActionToken({ ...claims, exp: Math.floor(expMs / 1000) }, deps.linkSecret);
    const url = actionUrl(config.http.publicBaseUrl, token);
    const linkExpiresAt = new Date(expMs).toISOString();
    const p = status.plan;
    const venueName = status.venue?.venueName ?? (p.venue.kind === 'community' ? p.venue.venueName : undefined);
    const activity: ActivitySummaryForEmail = {
      activityId: status.activityId,
      title: p.title,
      theme: p.theme,
      compound: p.compound,
      startsAt: p.startsAt,
      endsAt: p.endsAt,
      ...(venueName ? { venueName } : {}),
    };
    const dueAt = status.pending?.dueAt ?? linkExpiresAt;
    const base = { recipientName: recipient.name, activity, actionUrl: url, linkExpiresAt };
    const message: EmailMessage =
      claims.step === 'approval'
        ? { ...base, purpose: 'approvalRequest', round: claims.round, decideBy: dueAt, capacity: p.capacity, budget: p.budget, description: p.description }
        : claims.step === 'venueRequest'
          ? { ...base, purpose: 'venueRequest', merchantVenueName: recipient.venueName ?? '', hours: p.venue.hours, answerBy: dueAt }
          : { ...base, purpose: 'feedbackRequest', feedbackBy: dueAt };
    // Through the outbox: recorded on the activity's page, and retried if the relay turns it away.
    const outcome = await deliverRecorded(
      { store: deps.repos.store, mailer: deps.mailer, messageIdDomain: config.mail.from.email.split('@')[1] ?? 'localhost', retryDelaysMs: config.mail.retryDelaysMs },
      {
        // Asked for by the person: a new message each time.
        key: `refresh/${key}/${randomUUID()}`,
        scopeId: status.activityId,
        purpose: message.purpose,
        recipient: { key: claims.rcp, name: recipient.name, email: recipient.email, locale: recipient.locale },
        render: () => deps.render(message, recipient.locale),
        headers: { 'X-Activity-Id': status.activityId, 'X-Email-Purpose': message.purpose },
      },
    );
    logger.info(`action link: fresh link ${outcome}`, { workflowId: claims.wf, step: claims.step, round: claims.round, recipientKey: claims.rcp });
  }

  // Anything else under /a/: not found (as a page).
  router.use((_req, res) => {
    const ctx = pageContext(signedPageOf(res).locale, '');
    send(res, 404, messagePage(ctx, ctx.s.pages.invalid.title, [ctx.s.pages.invalid.body]));
  });

  return router;
}

/** How errors under /a/ are shown: as pages in the person's language, never as JSON. */
export function actionLinkErrorPages(config: Config): HtmlErrorPages {
  return {
    matches: (req) => req.originalUrl.startsWith('/a/') || req.originalUrl === '/a',
    send(req, res, error) {
      const token = /^\/a\/([A-Za-z0-9_.-]+)/.exec(req.originalUrl)?.[1] ?? '';
      const ctx = pageContext(pickLocale(req, config.http.defaultLocale), token);
      const { s } = ctx;
      const [title, body] =
        error.status === 413
          ? [s.pages.tooLarge.title, s.pages.tooLarge.body]
          : error.status === 503
            ? [s.pages.unavailable.title, s.pages.unavailable.body]
            : error.status >= 500
              ? [s.pages.error.title, s.pages.error.body]
              : [s.pages.invalid.title, s.pages.invalid.body];
      res.setHeader('Cache-Control', 'no-store');
      res.status(error.status).type('html').send(messagePage(ctx, title, [body]));
    },
  };
}

export type { ActionName };
