/**
 * The coordinator's API tokens page, on the dashboard router (coordinators only):
 *
 *   GET  /dashboard/tokens                    every token (holder's name, label, issued, last used, revoked) and the form to issue one
 *   POST /dashboard/tokens                    issue: the answer shows the token, this once (no-store); errors beside their fields
 *   GET  /dashboard/tokens/:tokenId/revoke    asks to confirm
 *   POST /dashboard/tokens/:tokenId/revoke    revokes, then back to the list (Post/Redirect/Get)
 *
 * The form is checked by the JSON route's own schema (IssueTokenBody) and goes through the same
 * service (service.ts), so the page and the API issue the same token under the same rules.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { ApiTokenView } from '../../db/repositories';
import type { Staff } from '../../db/services/directory';
import { Id } from '../../domain/schemas';
import { assertCoordinator, DashboardNotFound } from '../dashboard/access';
import { compoundNames, staffNames } from '../dashboard/data';
import type { PageCtx } from '../dashboard/page-context';
import { formField } from '../http/session';
import { signedPageOf } from '../http/signed-page';
import { html, type RawHtml } from '../http/html';
import { messageCard } from '../http/layout';
import { IssueTokenBody, TOKEN_LABEL_MAX } from './routes';
import { tokenService, type TokenServiceDeps } from './service';

type Field = 'staffId' | 'label';
type FieldErrors = Partial<Record<Field, string>>;

const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

/** The form's errors in the page's words, by field: the schema's issues, and a holder the directory lacks. */
function issueErrors(ctx: PageCtx, staffId: string, label: string): FieldErrors {
  const e = ctx.s.tokens.errors;
  const errors: FieldErrors = {};
  if (staffId.trim() === '') errors.staffId = e.staffRequired;
  else if (!Id.safeParse(staffId).success) errors.staffId = e.staffUnknown;
  const parsed = IssueTokenBody.safeParse({ label });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    errors.label = issue?.code === 'too_big' ? e.labelTooLong(TOKEN_LABEL_MAX) : issue?.code === 'custom' ? e.labelUnsafe : e.labelRequired;
  }
  return errors;
}

export function tokenPages(router: Router, deps: TokenServiceDeps, ctxOf: (req: Request, res: Response) => PageCtx): void {
  const { repos } = deps;
  const service = tokenService(deps);

  const coordinatorCtx = (req: Request, res: Response): PageCtx => {
    const ctx = ctxOf(req, res);
    assertCoordinator(ctx.viewer);
    return ctx;
  };

  /** A POST whose form is not one of our pages changes nothing. */
  const refuseForeignForm = (ctx: PageCtx, res: Response): boolean => {
    if (signedPageOf(res).formIsOurs()) return false;
    const f = ctx.s.page.pages.forbidden;
    ctx.render(403, f.title, messageCard(f.title, [f.body], html`<p><a href="/dashboard/tokens">${ctx.s.tokens.issued.back}</a></p>`), 'tokens');
    return true;
  };

  async function renderList(ctx: PageCtx, status: number, o: { values?: { staffId: string; label: string }; errors?: FieldErrors; notice?: string } = {}): Promise<void> {
    const [tokens, staff, compounds] = await Promise.all([repos.apiTokens.list(), repos.directory.listStaff(), compoundNames(repos)]);
    const names = await staffNames(repos, tokens.flatMap((t) => [t.createdBy, ...(t.revokedBy ? [t.revokedBy] : [])]));
    ctx.render(status, ctx.s.tokens.heading, listBody(ctx, { tokens: [...tokens].reverse(), staff, compounds, names, ...o }), 'tokens');
  }

  router.get('/tokens', async (req, res) => {
    const ctx = coordinatorCtx(req, res);
    const revokedId = typeof req.query.revoked === 'string' ? req.query.revoked : undefined;
    const revoked = revokedId && Id.safeParse(revokedId).success ? await repos.apiTokens.find(revokedId) : undefined;
    await renderList(ctx, 200, revoked ? { notice: ctx.s.tokens.revokedNotice(revoked.label, revoked.staffName) } : {});
  });

  router.post('/tokens', form, async (req, res) => {
    const ctx = coordinatorCtx(req, res);
    if (refuseForeignForm(ctx, res)) return;
    const staffId = formField(req.body, 'staffId');
    const label = formField(req.body, 'label');
    const errors = issueErrors(ctx, staffId, label);
    const values = { staffId, label };
    if (errors.staffId || errors.label) return renderList(ctx, 400, { values, errors });
    const issued = await service.issue({ staffId: staffId.trim(), label: IssueTokenBody.parse({ label }).label, by: ctx.viewer.staffId });
    if (!issued) return renderList(ctx, 400, { values, errors: { staffId: ctx.s.tokens.errors.staffUnknown } });
    const holder = await repos.staff.findById(issued.staffId);
    const t = ctx.s.tokens.issued;
    // The one time the token exists outside its holder's hands: never kept by a cache or the history.
    res.setHeader('Cache-Control', 'no-store');
    ctx.render(
      201,
      t.title,
      html`<div class="card"><h1>${t.title}</h1><p>${t.body(holder?.name ?? issued.staffId, issued.label)}</p><p class="error">${t.warning}</p><code class="secret">${issued.token}</code><p class="muted">${t.usage}</p><p><a href="/dashboard/tokens">${t.back}</a></p></div>`,
      'tokens',
    );
  });

  const tokenOr404 = async (req: Request): Promise<ApiTokenView> => {
    const id = String(req.params.tokenId);
    const token = Id.safeParse(id).success ? await repos.apiTokens.find(id) : undefined;
    if (!token) throw new DashboardNotFound();
    return token;
  };

  router.get('/tokens/:tokenId/revoke', async (req, res) => {
    const ctx = coordinatorCtx(req, res);
    const token = await tokenOr404(req);
    const c = ctx.s.tokens.confirm;
    const body = token.revokedAt
      ? html`<div class="card"><h1>${c.title}</h1><p>${c.already(ctx.s.page.when(token.revokedAt))}</p><p><a href="/dashboard/tokens">${ctx.s.tokens.issued.back}</a></p></div>`
      : html`<div class="card"><h1>${c.title}</h1><p>${c.body(token.label, token.staffName)}</p><form method="post" action="/dashboard/tokens/${encodeURIComponent(token.id)}/revoke"><input type="hidden" name="csrf" value="${ctx.csrf}"><div class="buttons"><button type="submit">${c.button}</button></div></form><p><a href="/dashboard/tokens">${c.cancel}</a></p></div>`;
    ctx.render(200, c.title, body, 'tokens');
  });

  router.post('/tokens/:tokenId/revoke', form, async (req, res) => {
    const ctx = coordinatorCtx(req, res);
    if (refuseForeignForm(ctx, res)) return;
    const token = await tokenOr404(req);
    await service.revoke(token.id, ctx.viewer.staffId);
    res.redirect(303, `/dashboard/tokens?revoked=${encodeURIComponent(token.id)}`);
  });
}

interface ListView {
  /** Newest first. */
  tokens: ApiTokenView[];
  staff: Staff[];
  compounds: ReadonlyMap<string, string>;
  /** Staff names by id (who issued and revoked). */
  names: ReadonlyMap<string, string>;
  values?: { staffId: string; label: string };
  errors?: FieldErrors;
  notice?: string;
}

function listBody(ctx: PageCtx, v: ListView): RawHtml {
  const { s } = ctx;
  const t = s.tokens;
  const errors = v.errors ?? {};
  const fieldError = (f: Field) => (errors[f] ? html`<p class="field-error" id="${f}-error">${errors[f]}</p>` : '');
  const described = (f: Field) => (errors[f] ? html` aria-invalid="true" aria-describedby="${f}-error"` : '');
  const staff = [...v.staff].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
  const chosen = v.values?.staffId ?? '';
  const option = (m: Staff) => {
    const where = m.compoundId ? ` · ${v.compounds.get(m.compoundId) ?? m.compoundId}` : '';
    return html`<option value="${m.id}"${chosen === m.id ? html` selected` : ''}>${m.name}（${s.roles[m.role]}${where}）</option>`;
  };
  const issueForm = html`<div class="card"><h2>${t.issueHeading}</h2>${errors.staffId || errors.label ? html`<p class="error">${t.errors.heading}</p>` : ''}<form method="post" action="/dashboard/tokens"><input type="hidden" name="csrf" value="${ctx.csrf}"><label for="staffId">${t.staff}</label><select id="staffId" name="staffId" required${described('staffId')}><option value="">${t.chooseStaff}</option>${staff.map(option)}</select>${fieldError('staffId')}<label for="label">${t.label}</label><input type="text" id="label" name="label" required maxlength="${TOKEN_LABEL_MAX}" value="${v.values?.label ?? ''}"${described('label')}>${fieldError('label')}<p class="muted">${t.labelHint}</p><div class="buttons"><button type="submit">${t.issue}</button></div></form></div>`;

  const c = t.columns;
  const nameOf = (id: string) => v.names.get(id) ?? id;
  const rows = v.tokens.map(
    (k) =>
      html`<tr><td data-label="${c.staff}">${k.staffName}</td><td data-label="${c.label}">${k.label}</td><td data-label="${c.created}">${t.createdBy(s.page.when(k.createdAt), nameOf(k.createdBy))}</td><td data-label="${c.lastUsed}">${k.lastUsedAt ? s.page.when(k.lastUsedAt) : t.neverUsed}</td><td data-label="${c.state}">${
        k.revokedAt
          ? html`<span class="badge grey">${t.revokedBy(s.page.when(k.revokedAt), nameOf(k.revokedBy ?? ''))}</span>`
          : html`<span class="badge green">${t.active}</span> <a href="/dashboard/tokens/${encodeURIComponent(k.id)}/revoke">${t.revoke}</a>`
      }</td></tr>`,
  );
  const list = v.tokens.length
    ? html`<table class="cards"><thead><tr><th>${c.staff}</th><th>${c.label}</th><th>${c.created}</th><th>${c.lastUsed}</th><th>${c.state}</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p class="muted">${t.none}</p>`;
  return html`<div class="card"><h1>${t.heading}</h1>${v.notice ? html`<p class="ok">${v.notice}</p>` : ''}<p class="muted">${t.intro}</p></div>${issueForm}<div class="card"><h2>${t.listHeading}</h2>${list}</div>`;
}
