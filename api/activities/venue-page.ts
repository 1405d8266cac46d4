/**
 * The coordinator's venue form (issue 10), opened from the dashboard's waiting list when no
 * merchant accepted:
 *
 *   GET  /dashboard/activities/:id/venue   the form: a merchant venue of the plan (optional), a venue name, hours
 *   POST /dashboard/activities/:id/venue   assigns it, then back to the activity's page
 *
 * It does what POST /api/activities/:id/venue does, in the same order: the same body schema
 * (AssignVenueBody), the same check against the activity's length, the same workflow update with
 * the signed-in coordinator as `by`. Errors are shown beside their fields, in the page's language.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import { WorkflowNotFoundError } from '@temporalio/client';
import { RejectionType, themedActivityWorkflowId, type ActivityStatus } from '../../domain/activity';
import type { CandidateMerchant } from '../../domain/schemas';
import type { StaffWorkProse } from '../../i18n/catalog';
import { assignVenueUpdate } from '../../workflows/themed-activity.api';
import { activityStatus, readStatus, type DashboardData } from '../dashboard/data';
import { DashboardNotFound } from '../dashboard/access';
import type { PageCtx } from '../dashboard/page-context';
import { venueFormHref } from '../dashboard/waiting-actions';
import { HttpError, updateRejection } from '../http/errors';
import { html, raw, type RawHtml } from '../http/html';
import { messageCard } from '../http/layout';
import { formField } from '../http/session';
import { signedPageOf } from '../http/signed-page';
import { staffWorkStrings } from '../links/approvals-page';
import { assertVenueAssignmentAcceptable } from './plan-checks';
import { actorOf } from './routes';
import { AssignVenueBody } from './schemas';

const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
type Field = 'venueName' | 'hours' | 'merchantId';
const FIELDS: readonly Field[] = ['venueName', 'hours', 'merchantId'];


/** Whether the activity waits for the coordinator to assign a venue (no merchant accepted). */
export function waitsForVenue(status: ActivityStatus | undefined): status is ActivityStatus {
  return status?.stage === 'venueRequest' && status.pending?.action === 'assignVenueOrRevisePlan';
}

interface Values {
  merchantId: string;
  venueName: string;
  hours: string;
}

export function venueRoutes(router: Router, data: DashboardData, ctxOf: (req: Request, res: Response) => PageCtx): void {
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 });

  async function load(req: Request, res: Response): Promise<{ ctx: PageCtx; w: StaffWorkProse; status: ActivityStatus } | undefined> {
    const ctx = ctxOf(req, res);
    const w = staffWorkStrings(ctx.locale);
    const id = String(req.params.id);
    if (!ID.test(id)) throw new DashboardNotFound();
    if (ctx.viewer.role !== 'coordinator') {
      ctx.render(403, w.onlyCoordinatorTitle, messageCard(w.onlyCoordinatorTitle, [w.onlyCoordinatorBody]));
      return undefined;
    }
    // The read model first; when it says the venue is not (or no longer) waited for, the workflow
    // itself, once: its row may not yet show the wait it has just begun.
    const seen = await readStatus(data, id);
    const status = seen && waitsForVenue(seen) ? seen : await activityStatus(data, id);
    if (!status) throw new DashboardNotFound();
    return { ctx, w, status };
  }

  router.get('/activities/:id/venue', async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    const { ctx, w, status } = loaded;
    if (!waitsForVenue(status)) return closed(ctx, w, status);
    ctx.render(200, w.venue.heading(status.plan.title), venueForm(ctx, w, status, { merchantId: '', venueName: '', hours: String(status.plan.venue.hours) }, {}));
  });

  router.post('/activities/:id/venue', form, async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    const { ctx, w, status } = loaded;
    if (!signedPageOf(res).formIsOurs()) {
      ctx.render(403, ctx.s.page.pages.forbidden.title, messageCard(ctx.s.page.pages.forbidden.title, [ctx.s.page.pages.forbidden.body]));
      return;
    }
    const values: Values = { merchantId: formField(req.body, 'merchantId').trim(), venueName: formField(req.body, 'venueName'), hours: formField(req.body, 'hours').trim() };
    const again = (code: number, errors: Partial<Record<Field | 'other', string>>) =>
      ctx.render(code, w.venue.heading(status.plan.title), venueForm(ctx, w, status, values, errors));
    if (!waitsForVenue(status)) return closed(ctx, w, status);

    const candidates = candidatesOf(status);
    const merchant = values.merchantId ? candidates.find((c) => c.id === values.merchantId) : undefined;
    if (values.merchantId && !merchant) return again(400, { merchantId: w.venue.errors.notOffered });
    // The body the JSON route takes; a chosen merchant's venue names the place unless a name is given.
    const body = {
      venueName: values.venueName.trim() === '' && merchant ? merchant.venueName : values.venueName,
      ...(values.hours === '' ? {} : { hours: /^\d+(\.\d+)?$/.test(values.hours) ? Number(values.hours) : values.hours }),
      ...(merchant ? { merchantId: merchant.id } : {}),
    };
    const parsed = AssignVenueBody.safeParse(body);
    if (!parsed.success) return again(400, fieldErrors(w, parsed.error));

    const handle = data.client.workflow.getHandle(themedActivityWorkflowId(status.activityId));
    try {
      await assertVenueAssignmentAcceptable(handle, parsed.data.hours);
      await handle.executeUpdate(assignVenueUpdate, { args: [{ ...parsed.data, by: actorOf({ ...ctx.viewer, compound: ctx.viewer.compound ?? undefined }) }] });
    } catch (err) {
      if (err instanceof HttpError && err.status === 400) return again(400, issueErrors(w, err.details));
      const rejection = updateRejection(err);
      if (rejection?.type === RejectionType.stepClosed || err instanceof WorkflowNotFoundError) return closed(ctx, w, (await activityStatus(data, status.activityId)) ?? status);
      if (rejection) return again(rejection.type === RejectionType.invalidInput ? 400 : 422, { other: w.venue.refused(rejection.message) });
      throw err;
    }
    res.redirect(303, `/dashboard/activities/${encodeURIComponent(status.activityId)}?lang=${ctx.locale}`);
  });
}

function candidatesOf(status: ActivityStatus): CandidateMerchant[] {
  return status.plan.venue.kind === 'merchant' ? status.plan.venue.candidateMerchants : [];
}

function closed(ctx: PageCtx, w: StaffWorkProse, status: ActivityStatus): void {
  ctx.render(
    409,
    w.venue.heading(status.plan.title),
    messageCard(w.venue.heading(status.plan.title), [w.venue.closed], html`<p><a href="/dashboard/activities/${encodeURIComponent(status.activityId)}">${status.plan.title}</a></p>`),
  );
}

/** zod's issues as words beside their fields, in the page's language. */
function fieldErrors(w: StaffWorkProse, error: z.ZodError): Partial<Record<Field | 'other', string>> {
  const out: Partial<Record<Field | 'other', string>> = {};
  for (const issue of error.issues) {
    const key = fieldOf(issue.path[0]);
    const e = w.venue.errors;
    const word =
      issue.code === 'invalid_type'
        ? issue.input === undefined
          ? e.required
          : e.number
        : issue.code === 'too_small'
          ? issue.origin === 'string'
            ? e.required
            : e.range
          : issue.code === 'too_big'
            ? issue.origin === 'string'
              ? e.tooLong
              : e.range
            : issue.message;
    out[key] ??= word;
  }
  return out;
}

/** The plan checks' field issues (a 400 from assertVenueAssignmentAcceptable). */
function issueErrors(w: StaffWorkProse, details: unknown): Partial<Record<Field | 'other', string>> {
  const out: Partial<Record<Field | 'other', string>> = {};
  for (const d of Array.isArray(details) ? (details as { field?: unknown }[]) : []) out[fieldOf(d.field)] ??= w.venue.errors.range;
  return Object.keys(out).length ? out : { other: w.venue.errors.range };
}

function fieldOf(name: unknown): Field | 'other' {
  return FIELDS.includes(name as Field) ? (name as Field) : 'other';
}

function venueForm(ctx: PageCtx, w: StaffWorkProse, status: ActivityStatus, values: Values, errors: Partial<Record<Field | 'other', string>>): RawHtml {
  const v = w.venue;
  const err = (f: Field) => (errors[f] ? html`<p class="field-error" id="${f}-error">${errors[f]}</p>` : '');
  const invalid = (f: Field) => raw(errors[f] ? ` aria-invalid="true" aria-describedby="${f}-error"` : '');
  const candidates = candidatesOf(status);
  const merchantField = candidates.length
    ? html`<label for="merchantId">${v.merchant}</label><select id="merchantId" name="merchantId"${invalid('merchantId')}><option value="">${v.merchantNone}</option>${candidates.map(
        (c) => html`<option value="${c.id}"${raw(values.merchantId === c.id ? ' selected' : '')}>${c.name}（${c.venueName}）</option>`,
      )}</select>${err('merchantId')}`
    : '';
  const summary = Object.keys(errors).length ? html`<div class="error">${v.fixFields}${errors.other ? html`<br>${errors.other}` : ''}</div>` : '';
  return html`<div class="card"><h1>${v.heading(status.plan.title)}</h1>${summary}<p class="muted">${v.intro}</p><p class="muted">${ctx.s.page.labels.time}：${ctx.s.page.range(
    status.plan.startsAt,
    status.plan.endsAt,
  )}</p><form method="post" action="${venueFormHref(status.activityId)}?lang=${ctx.locale}" novalidate><input type="hidden" name="csrf" value="${ctx.csrf}">${merchantField}<label for="venueName">${v.venueName}</label><input type="text" id="venueName" name="venueName" maxlength="200" value="${values.venueName}"${invalid('venueName')}><p class="muted">${v.venueNameHint}</p>${err('venueName')}<label for="hours">${v.hours}</label><input type="number" id="hours" name="hours" min="0" step="any" value="${values.hours}"${invalid('hours')}>${err('hours')}<div class="buttons"><button type="submit">${v.send}</button></div></form></div>`;
}
