/**
 * The directory in the browser, under /dashboard/directory (registered on the dashboard's router):
 *
 *   GET  /directory                              the lists this viewer may open
 *   GET  /directory/:entity[?q=]                 list with search by name (cards on a phone)
 *   GET  /directory/:entity/new, POST            add
 *   GET  /directory/:entity/:id/edit, POST       edit (a merchant's page lists and adds its venues)
 *   POST /directory/:entity/:id/deactivate       and /reactivate
 *   GET  /directory/:entity/import               paste CSV → POST …/import/preview → POST …/import
 *   GET  /directory/:entity/csv                  download, headers in the page's language
 *
 * Same rules as the JSON API (api/people/routes.ts): the forms parse with the same zod schemas
 * (db/services/directory.ts) and write through the same service, so a form's errors are the API's,
 * said beside each field in the page's language. Coordinators manage everything; property managers
 * and grid workers see and edit the families and volunteers of their own compound only.
 *
 * CSV import is a textarea, not a file upload: a plain urlencoded form works on a phone without
 * scripts and needs no multipart parser; the preview carries the text on in a hidden field, and
 * "import" runs the service's all-or-nothing import on exactly that text.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import type { Repositories } from '../../db/repositories';
import {
  CompoundInput,
  CsvImportError,
  DirectoryError,
  FamilyInput,
  MerchantInput,
  StaffInput,
  VenueInput,
  VolunteerInput,
  type DirectoryEntity,
} from '../../db/services/directory';
import { isCompoundBound } from '../../domain/access';
import { ROLE_TERMS, label } from '../../domain/vocabulary';
import type { Locale, StaffRole } from '../../domain/schemas';
import { catalogFor } from '../../i18n';
import type { DirectoryPageField, DirectoryProse } from '../../i18n/catalog';
import { parseCsv, toCsv, type Cell } from '../../lib/csv';
import { DashboardForbidden, DashboardNotFound } from '../dashboard/access';
import type { PageCtx } from '../dashboard/page-context';
import { HttpError } from '../http/errors';
import { html, type RawHtml } from '../http/html';
import { messageCard } from '../http/layout';
import { signedPageOf } from '../http/signed-page';
import type { StaffSession } from '../http/session';
import { CSV_LIMIT } from './routes';

type Entity = DirectoryEntity;
type Item = Record<string, unknown> & { id: string; name: string; active: boolean };
type FieldKind = 'text' | 'email' | 'number' | 'locale' | 'role' | 'compound' | 'merchant';

interface FieldSpec {
  key: Exclude<DirectoryPageField, 'active'>;
  kind: FieldKind;
  required?: boolean;
}

const ENTITIES: readonly Entity[] = ['compounds', 'staff', 'families', 'volunteers', 'merchants', 'venues'];
/** The lists the index links to; venues are reached from their merchant. */
const LISTED: readonly Entity[] = ['compounds', 'staff', 'families', 'volunteers', 'merchants'];
const SCOPED: readonly Entity[] = ['families', 'volunteers'];

const SCHEMA: Record<Entity, z.ZodObject> = {
  compounds: CompoundInput,
  families: FamilyInput,
  staff: StaffInput,
  volunteers: VolunteerInput,
  merchants: MerchantInput,
  venues: VenueInput,
};

const FIELDS: Record<Entity, readonly FieldSpec[]> = {
  compounds: [
    { key: 'id', kind: 'text', required: true },
    { key: 'name', kind: 'text', required: true },
  ],
  staff: [
    { key: 'id', kind: 'text', required: true },
    { key: 'name', kind: 'text', required: true },
    { key: 'role', kind: 'role', required: true },
    { key: 'compoundId', kind: 'compound' },
    { key: 'email', kind: 'email', required: true },
    { key: 'locale', kind: 'locale' },
  ],
  families: [
    { key: 'id', kind: 'text', required: true },
    { key: 'name', kind: 'text', required: true },
    { key: 'compoundId', kind: 'compound', required: true },
    { key: 'members', kind: 'number' },
    { key: 'email', kind: 'email', required: true },
    { key: 'locale', kind: 'locale' },
  ],
  volunteers: [
    { key: 'id', kind: 'text', required: true },
    { key: 'name', kind: 'text', required: true },
    { key: 'compoundId', kind: 'compound' },
    { key: 'email', kind: 'email', required: true },
    { key: 'locale', kind: 'locale' },
    // A professional volunteer's profession (the year report counts them); empty for one without.
    { key: 'profession', kind: 'text' },
  ],
  merchants: [
    { key: 'id', kind: 'text', required: true },
    { key: 'name', kind: 'text', required: true },
    { key: 'email', kind: 'email', required: true },
    { key: 'locale', kind: 'locale' },
  ],
  venues: [
    { key: 'id', kind: 'text', required: true },
    { key: 'name', kind: 'text', required: true },
    { key: 'merchantId', kind: 'merchant' },
    { key: 'capacity', kind: 'number' },
  ],
};

/** The columns of a list and of the CSV download (the download adds what import needs). */
const LIST_COLUMNS: Record<Entity, readonly Exclude<DirectoryPageField, 'id' | 'active'>[]> = {
  compounds: ['name'],
  staff: ['name', 'role', 'compoundId', 'email'],
  families: ['name', 'compoundId', 'members', 'email'],
  volunteers: ['name', 'compoundId', 'profession', 'email'],
  merchants: ['name', 'email'],
  venues: ['name', 'merchantId', 'capacity'],
};

const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const ROLES: readonly StaffRole[] = ['propertyManager', 'gridWorker', 'coordinator', 'supervisor'];
const LOCALES: readonly Locale[] = ['zh-CN', 'en'];

export interface DirectoryPagesDeps {
  repos: Repositories;
  /** Epoch ms. */
  now: () => number;
}

// ---- who may do what -----------------------------------------------------------------------------

/** Coordinators: every list. Property managers and grid workers: families and volunteers. Supervisors: none. */
function mayOpen(v: StaffSession, entity: Entity): boolean {
  if (v.role === 'coordinator') return true;
  return isCompoundBound(v.role) && SCOPED.includes(entity);
}

/** A list this viewer's role may not open (or import into): a 403 page that says who keeps it. */
class DirectoryForbidden extends Error {
  override readonly name = 'DirectoryForbidden';
}

function assertMayOpen(v: StaffSession, entity: Entity): void {
  if (!mayOpen(v, entity)) throw new DirectoryForbidden();
}

/** The compound a compound-bound viewer is limited to; undefined for a coordinator. */
function ownCompound(v: StaffSession): string | undefined {
  if (v.role === 'coordinator') return undefined;
  if (!v.compound) throw new DashboardForbidden('noCompound');
  return v.compound;
}

function assertMayTouch(v: StaffSession, item: Item): void {
  const own = ownCompound(v);
  if (own !== undefined && item.compoundId !== own) throw new DashboardForbidden('otherCompound');
}

function entityOf(req: Request): Entity {
  const e = String(req.params.entity);
  if (!(ENTITIES as readonly string[]).includes(e)) throw new DashboardNotFound();
  return e as Entity;
}

function idOf(req: Request): string {
  const id = String(req.params.id);
  if (!ID.test(id)) throw new DashboardNotFound();
  return id;
}

// ---- data ----------------------------------------------------------------------------------------

async function listOf(repos: Repositories, entity: Entity, compound?: string): Promise<Item[]> {
  const d = repos.directory;
  const scoped = compound !== undefined ? { compoundId: compound } : {};
  const items =
    entity === 'compounds'
      ? await d.listCompounds()
      : entity === 'staff'
        ? await d.listStaff()
        : entity === 'families'
          ? await d.listFamilies(scoped)
          : entity === 'volunteers'
            ? await d.listVolunteers(scoped)
            : entity === 'merchants'
              ? await d.listMerchants()
              : await d.listVenues();
  return items as unknown as Item[];
}

async function itemOf(repos: Repositories, entity: Entity, id: string): Promise<Item> {
  const d = repos.directory;
  const item =
    entity === 'compounds'
      ? await d.getCompound(id)
      : entity === 'staff'
        ? await d.getStaff(id)
        : entity === 'families'
          ? await d.getFamily(id)
          : entity === 'volunteers'
            ? await d.getVolunteer(id)
            : entity === 'merchants'
              ? await d.getMerchant(id)
              : await d.getVenue(id);
  if (!item) throw new DashboardNotFound();
  return item as unknown as Item;
}

async function write(repos: Repositories, entity: Entity, id: string | undefined, data: Record<string, unknown>): Promise<Item> {
  const d = repos.directory;
  if (id === undefined) return (await d.createRecord(entity, data)) as unknown as Item;
  const { id: _same, ...patch } = data;
  return (await d.updateRecord(entity, id, patch)) as unknown as Item;
}

interface Names {
  compounds: Map<string, string>;
  merchants: Map<string, string>;
}

async function namesOf(repos: Repositories): Promise<Names> {
  const [compounds, merchants] = await Promise.all([repos.directory.listCompounds(), repos.directory.listMerchants()]);
  return { compounds: new Map(compounds.map((c) => [c.id, c.name])), merchants: new Map(merchants.map((m) => [m.id, m.name])) };
}

/** A field's value as a person reads it: names, never ids. */
function shown(d: DirectoryProse, locale: Locale, names: Names, key: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return d.none;
  if (key === 'compoundId') return names.compounds.get(String(value)) ?? String(value);
  if (key === 'merchantId') return names.merchants.get(String(value)) ?? String(value);
  if (key === 'role') return label(ROLE_TERMS, value as StaffRole, locale);
  if (key === 'locale') return d.locales[value as Locale] ?? String(value);
  return String(value);
}

// ---- forms ---------------------------------------------------------------------------------------

type FieldErrors = Partial<Record<string, string>>;

/** The form's strings as the schema takes them: empty optional fields left out, numbers as numbers. */
function formData(entity: Entity, body: Record<string, unknown>, editing: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS[entity]) {
    const raw = typeof body[f.key] === 'string' ? (body[f.key] as string) : '';
    if (raw.trim() === '') {
      // On edit an emptied optional reference is cleared; otherwise the schema's default applies.
      if (editing && (f.kind === 'compound' || f.kind === 'merchant')) out[f.key] = null;
      if (editing && (f.key === 'capacity' || f.key === 'profession')) out[f.key] = null;
      continue;
    }
    out[f.key] = f.kind === 'number' && /^[+-]?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
  }
  return out;
}

/** A zod issue in the page's words. */
function issueText(d: DirectoryProse, issue: z.core.$ZodIssue, input: Record<string, unknown>): string {
  const field = String(issue.path[0] ?? '');
  const given = input[field];
  switch (issue.code) {
    case 'invalid_type':
      return given === undefined ? d.errors.required : typeof given === 'string' && (field === 'members' || field === 'capacity') ? d.errors.number : d.errors.invalid;
    case 'too_small':
      return issue.origin === 'string' ? d.errors.required : d.errors.outOfRange;
    case 'too_big':
      return issue.origin === 'string' ? d.errors.tooLong(Number(issue.maximum)) : d.errors.outOfRange;
    case 'invalid_format':
      return issue.format === 'email' ? d.errors.email : issue.format === 'regex' ? d.errors.idFormat : d.errors.invalid;
    case 'invalid_value':
      return d.errors.choice;
    default:
      return d.errors.invalid;
  }
}

function validate(d: DirectoryProse, entity: Entity, data: Record<string, unknown>): FieldErrors | undefined {
  const parsed = SCHEMA[entity].safeParse(data);
  if (parsed.success) return undefined;
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'id');
    errors[field] ??= issueText(d, issue, data);
  }
  return errors;
}

function formBody(
  ctx: PageCtx,
  d: DirectoryProse,
  entity: Entity,
  o: { action: string; values: Record<string, unknown>; errors?: FieldErrors; editing: boolean; names: Names; own?: string | undefined },
): RawHtml {
  const field = (f: FieldSpec): RawHtml => {
    const name = `f-${f.key}`;
    const value = o.values[f.key];
    const text = value === null || value === undefined ? '' : String(value);
    const error = o.errors?.[f.key];
    const describedBy = error ? html` aria-invalid="true" aria-describedby="${name}-error"` : '';
    const required = f.required ? html` required` : '';
    let control: RawHtml;
    if (f.key === 'id' && o.editing) {
      control = html`<input type="text" id="${name}" name="id" value="${text}" readonly>`;
    } else if (f.kind === 'role') {
      control = html`<select id="${name}" name="role"${required}${describedBy}>${ROLES.map((r) => html`<option value="${r}"${text === r ? html` selected` : ''}>${label(ROLE_TERMS, r, ctx.locale)}</option>`)}</select>`;
    } else if (f.kind === 'locale') {
      control = html`<select id="${name}" name="locale">${LOCALES.map((l) => html`<option value="${l}"${(text || 'zh-CN') === l ? html` selected` : ''}>${d.locales[l]}</option>`)}</select>`;
    } else if (f.kind === 'compound' || f.kind === 'merchant') {
      const choices = [...(f.kind === 'compound' ? o.names.compounds : o.names.merchants).entries()].filter(([id]) => o.own === undefined || f.kind !== 'compound' || id === o.own);
      const blank = f.required || (f.kind === 'compound' && o.own !== undefined) ? '' : html`<option value=""${text === '' ? html` selected` : ''}>${d.none}</option>`;
      control = html`<select id="${name}" name="${f.key}"${required}${describedBy}>${blank}${choices.map(([id, n]) => html`<option value="${id}"${text === id ? html` selected` : ''}>${n}</option>`)}</select>`;
    } else {
      const type = f.kind === 'email' ? 'email' : f.kind === 'number' ? 'number' : 'text';
      const extra = f.kind === 'number' ? html` min="1" step="1" inputmode="numeric"` : '';
      control = html`<input type="${type}" id="${name}" name="${f.key}" value="${text}"${required}${extra}${describedBy}>`;
    }
    const hint = f.key === 'id' && !o.editing ? html`<div class="muted">${d.idHint}</div>` : '';
    return html`<div class="field"><label for="${name}">${d.fields[f.key]}</label>${control}${hint}${error ? html`<div class="field-error" id="${name}-error">${error}</div>` : ''}</div>`;
  };
  const banner = o.errors ? html`<p class="error">${d.fixErrors}</p>` : '';
  return html`${banner}<form class="dir" method="post" action="${o.action}" novalidate><input type="hidden" name="csrf" value="${ctx.csrf}">${FIELDS[entity].map(field)}<div class="buttons"><button type="submit">${d.save}</button></div></form>`;
}

/** A service refusal as a field error (a taken id, a missing compound), like the API's 409 / 422. */
function serviceFieldErrors(d: DirectoryProse, error: unknown): FieldErrors | undefined {
  if (!(error instanceof DirectoryError)) return undefined;
  if (error.code === 'DUPLICATE') return { id: d.errors.duplicate };
  if (error.code === 'UNKNOWN_REFERENCE') return error.message.startsWith('merchantId') ? { merchantId: d.errors.unknownMerchant } : { compoundId: d.errors.unknownCompound };
  return undefined;
}

// ---- lists ---------------------------------------------------------------------------------------

const base = (entity: Entity) => `/dashboard/directory/${entity}`;

function withLang(href: string, locale: Locale): string {
  return `${href}${href.includes('?') ? '&' : '?'}lang=${locale}`;
}

function activeForm(ctx: PageCtx, d: DirectoryProse, entity: Entity, item: Item): RawHtml {
  const change = item.active ? 'deactivate' : 'reactivate';
  return html`<form class="inline" method="post" action="${base(entity)}/${encodeURIComponent(item.id)}/${change}"><input type="hidden" name="csrf" value="${ctx.csrf}"><button type="submit" class="${item.active ? 'secondary' : ''}">${item.active ? d.deactivate : d.reactivate}</button></form>`;
}

function itemsTable(ctx: PageCtx, d: DirectoryProse, entity: Entity, items: readonly Item[], names: Names): RawHtml {
  if (items.length === 0) return html`<p class="muted">${d.empty}</p>`;
  const columns = LIST_COLUMNS[entity];
  return html`<table class="cards"><thead><tr>${columns.map((c) => html`<th>${d.fields[c]}</th>`)}<th>${d.fields.active}</th><th>${d.actions}</th></tr></thead><tbody>${items.map(
    (item) =>
      html`<tr${item.active ? '' : html` class="inactive"`}>${columns.map((c) =>
        c === 'name'
          ? html`<td data-label="${d.fields[c]}"><a href="${base(entity)}/${encodeURIComponent(item.id)}/edit">${item.name}</a></td>`
          : html`<td data-label="${d.fields[c]}">${shown(d, ctx.locale, names, c, item[c])}</td>`,
      )}<td data-label="${d.fields.active}"><span class="badge ${item.active ? 'green' : 'grey'}">${item.active ? d.active : d.inactive}</span></td><td data-label="${d.actions}"><a href="${base(entity)}/${encodeURIComponent(item.id)}/edit">${d.edit}</a> ${activeForm(ctx, d, entity, item)}</td></tr>`,
  )}</tbody></table>`;
}

function notice(req: Request, d: DirectoryProse): RawHtml {
  const kind = typeof req.query.done === 'string' ? req.query.done : '';
  const name = typeof req.query.name === 'string' ? req.query.name.slice(0, 200) : '';
  if (kind === 'saved') return html`<p class="ok">${d.saved(name)}</p>`;
  if (kind === 'deactivated') return html`<p class="ok">${d.deactivated(name)}</p>`;
  if (kind === 'reactivated') return html`<p class="ok">${d.reactivated(name)}</p>`;
  if (kind === 'imported') {
    const n = (k: string) => Number(typeof req.query[k] === 'string' ? req.query[k] : 0) || 0;
    return html`<p class="ok">${d.imported(n('rows'), n('created'), n('updated'))}</p>`;
  }
  return html``;
}

// ---- CSV -----------------------------------------------------------------------------------------

/** The download's columns: every field import takes back (a family's QR token too). */
function csvColumns(entity: Entity): string[] {
  const keys = FIELDS[entity].map((f) => f.key as string);
  return entity === 'families' || entity === 'volunteers' ? [...keys, 'qrToken'] : keys;
}

function csvHeader(d: DirectoryProse, key: string): string {
  return key === 'qrToken' ? 'qrToken' : d.fields[key as DirectoryPageField];
}

/**
 * A pasted CSV whose header row uses the download's column names (in either language) is read
 * as if it used the field names, so a downloaded file can be edited and imported back. Line
 * numbers do not change: only the header line is rewritten.
 */
function withFieldHeaders(entity: Entity, csv: string): string {
  const text = csv.replace(/^\uFEFF/, '');
  const end = text.search(/\r?\n/);
  const headerLine = end < 0 ? text : text.slice(0, end);
  if (headerLine.includes('"')) return text;
  const byLabel = new Map<string, string>();
  for (const locale of LOCALES) for (const key of csvColumns(entity)) byLabel.set(csvHeader(catalogFor(locale).directory, key), key);
  let header: string[];
  try {
    header = parseCsv(headerLine)[0]?.fields ?? [];
  } catch {
    return text;
  }
  if (!header.some((h) => byLabel.has(h.trim()))) return text;
  return [header.map((h) => byLabel.get(h.trim()) ?? h).join(','), end < 0 ? '' : text.slice(end)].join('');
}

// ---- routes --------------------------------------------------------------------------------------

export function directoryPageRoutes(router: Router, deps: DirectoryPagesDeps, ctxOf: (req: Request, res: Response) => PageCtx): void {
  const { repos } = deps;
  const form = express.urlencoded({ extended: false, limit: CSV_LIMIT });
  const dir = (ctx: PageCtx) => catalogFor(ctx.locale).directory;

  /** A POST from our own page, or a 403 page. */
  const ours = (res: Response): void => {
    if (!signedPageOf(res).formIsOurs()) throw new HttpError(403, 'Forbidden', 'The form did not come from this site');
  };

  const subnav = (ctx: PageCtx, current: Entity | undefined): RawHtml => {
    const d = dir(ctx);
    return html`<nav class="filters">${LISTED.filter((e) => mayOpen(ctx.viewer, e)).map(
      (e) => html`<a href="${base(e)}"${e === current ? html` class="on"` : ''}>${d.entities[e].title}</a>`,
    )}</nav>`;
  };

  router.get('/directory', (req, res) => {
    const ctx = ctxOf(req, res);
    const d = dir(ctx);
    const open = LISTED.filter((e) => mayOpen(ctx.viewer, e));
    if (open.length === 0) throw new DirectoryForbidden();
    ctx.render(200, d.heading, html`<div class="card"><h1>${d.heading}</h1><p class="muted">${d.intro}</p>${subnav(ctx, undefined)}</div>`, 'directory');
  });

  router.get('/directory/:entity', async (req, res) => {
    const ctx = ctxOf(req, res);
    const d = dir(ctx);
    const entity = entityOf(req);
    assertMayOpen(ctx.viewer, entity);
    const own = ownCompound(ctx.viewer);
    const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 200) : '';
    const [all, names] = await Promise.all([listOf(repos, entity, own), namesOf(repos)]);
    const needle = q.toLowerCase();
    const items = needle ? all.filter((i) => i.name.toLowerCase().includes(needle)) : all;
    const title = d.entities[entity].title;
    const coordinator = ctx.viewer.role === 'coordinator';
    const links = html`<p class="buttons-row"><a href="${base(entity)}/new">${d.add(d.entities[entity].one)}</a>${
      coordinator ? html` · <a href="${base(entity)}/import">${d.importCsv}</a>` : ''
    } · <a href="${withLang(`${base(entity)}/csv`, ctx.locale)}" download>${d.downloadCsv}</a></p>`;
    const search = html`<form class="search" method="get" action="${base(entity)}"><label for="q">${d.search}</label><div class="row"><input type="search" id="q" name="q" value="${q}"><button type="submit">${d.searchButton}</button></div></form>`;
    ctx.render(
      200,
      title,
      html`<div class="card">${subnav(ctx, entity)}<h1>${title}</h1>${notice(req, d)}${links}${search}<p class="muted">${d.results(items.length, all.length)}</p>${itemsTable(ctx, d, entity, items, names)}</div>`,
      'directory',
    );
  });

  const renderForm = async (
    req: Request,
    res: Response,
    entity: Entity,
    o: { status: number; id?: string; values: Record<string, unknown>; errors?: FieldErrors; item?: Item },
  ): Promise<void> => {
    const ctx = ctxOf(req, res);
    const d = dir(ctx);
    const names = await namesOf(repos);
    const editing = o.id !== undefined;
    const action = editing ? `${base(entity)}/${encodeURIComponent(o.id!)}/edit` : `${base(entity)}/new`;
    const title = editing ? `${d.edit}：${String(o.item?.name ?? o.id)}` : d.add(d.entities[entity].one);
    let extra: RawHtml = html``;
    if (editing && o.item) extra = html`<div class="card"><p>${d.fields.active}: <span class="badge ${o.item.active ? 'green' : 'grey'}">${o.item.active ? d.active : d.inactive}</span></p>${activeForm(ctx, d, entity, o.item)}</div>`;
    if (editing && entity === 'merchants') {
      const venues = (await repos.directory.listVenues({ merchantId: o.id! })) as unknown as Item[];
      extra = html`${extra}<div class="card"><h2>${d.venues}</h2>${venues.length ? itemsTable(ctx, d, 'venues', venues, names) : html`<p class="muted">${d.noVenues}</p>`}<p><a href="${base('venues')}/new?merchantId=${encodeURIComponent(o.id!)}">${d.add(d.entities.venues.one)}</a></p></div>`;
    }
    const back = entity === 'venues' && typeof o.values.merchantId === 'string' && o.values.merchantId ? `${base('merchants')}/${encodeURIComponent(o.values.merchantId)}/edit` : base(entity);
    const body = html`<div class="card">${subnav(ctx, entity === 'venues' ? 'merchants' : entity)}<h1>${title}</h1>${notice(req, d)}${formBody(ctx, d, entity, {
      action,
      values: o.values,
      ...(o.errors ? { errors: o.errors } : {}),
      editing,
      names,
      own: ownCompound(ctx.viewer),
    })}<p><a href="${back}">${d.back}</a></p></div>${extra}`;
    ctx.render(o.status, title, body, 'directory');
  };

  router.get('/directory/:entity/new', async (req, res) => {
    const ctx = ctxOf(req, res);
    const entity = entityOf(req);
    assertMayOpen(ctx.viewer, entity);
    const own = ownCompound(ctx.viewer);
    const merchantId = typeof req.query.merchantId === 'string' && ID.test(req.query.merchantId) ? req.query.merchantId : undefined;
    await renderForm(req, res, entity, { status: 200, values: { ...(own ? { compoundId: own } : {}), ...(merchantId ? { merchantId } : {}) } });
  });

  const save = async (req: Request, res: Response, entity: Entity, id: string | undefined): Promise<void> => {
    const ctx = ctxOf(req, res);
    const d = dir(ctx);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const data = formData(entity, body, id !== undefined);
    if (id !== undefined) data.id = id;
    const values = { ...Object.fromEntries(FIELDS[entity].map((f) => [f.key, body[f.key]])), ...(id !== undefined ? { id } : {}) };
    const item = id !== undefined ? await itemOf(repos, entity, id) : undefined;
    const own = ownCompound(ctx.viewer);
    // The schema takes null for a cleared reference only on update; check with what create would take.
    const checked = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null));
    let errors = validate(d, entity, checked);
    if (!errors && own !== undefined && data.compoundId !== own) errors = { compoundId: d.errors.otherCompound };
    if (!errors) {
      try {
        const saved = await write(repos, entity, id, data);
        const back = entity === 'venues' && typeof saved.merchantId === 'string' ? `${base('merchants')}/${encodeURIComponent(saved.merchantId)}/edit` : base(entity);
        res.redirect(303, `${back}?done=saved&name=${encodeURIComponent(saved.name)}`);
        return;
      } catch (error) {
        errors = serviceFieldErrors(d, error);
        if (!errors) throw error;
      }
    }
    await renderForm(req, res, entity, { status: 400, ...(id !== undefined ? { id } : {}), values, errors, ...(item ? { item } : {}) });
  };

  router.post('/directory/:entity/new', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const entity = entityOf(req);
    assertMayOpen(ctx.viewer, entity);
    ours(res);
    await save(req, res, entity, undefined);
  });

  router.get('/directory/:entity/:id/edit', async (req, res) => {
    const ctx = ctxOf(req, res);
    const entity = entityOf(req);
    assertMayOpen(ctx.viewer, entity);
    const item = await itemOf(repos, entity, idOf(req));
    assertMayTouch(ctx.viewer, item);
    await renderForm(req, res, entity, { status: 200, id: item.id, values: item, item });
  });

  router.post('/directory/:entity/:id/edit', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const entity = entityOf(req);
    assertMayOpen(ctx.viewer, entity);
    ours(res);
    const item = await itemOf(repos, entity, idOf(req));
    assertMayTouch(ctx.viewer, item);
    await save(req, res, entity, item.id);
  });

  for (const change of ['deactivate', 'reactivate'] as const) {
    router.post(`/directory/:entity/:id/${change}`, form, async (req, res) => {
      const ctx = ctxOf(req, res);
      const entity = entityOf(req);
      assertMayOpen(ctx.viewer, entity);
      ours(res);
      const item = await itemOf(repos, entity, idOf(req));
      assertMayTouch(ctx.viewer, item);
      const after =
        change === 'deactivate' ? await repos.directory.deactivate(entity, item.id, new Date(deps.now()).toISOString()) : await repos.directory.reactivate(entity, item.id);
      const back = entity === 'venues' && typeof item.merchantId === 'string' ? `${base('merchants')}/${encodeURIComponent(item.merchantId)}/edit` : base(entity);
      res.redirect(303, `${back}?done=${change}d&name=${encodeURIComponent(after.name)}`);
    });
  }

  // ---- CSV download and import ---------------------------------------------------------------

  router.get('/directory/:entity/csv', async (req, res) => {
    const ctx = ctxOf(req, res);
    const d = dir(ctx);
    const entity = entityOf(req);
    assertMayOpen(ctx.viewer, entity);
    const items = await listOf(repos, entity, ownCompound(ctx.viewer));
    const columns = csvColumns(entity).map((key) => ({ key, header: csvHeader(d, key) }));
    res
      .status(200)
      .type('text/csv; charset=utf-8')
      .setHeader('Content-Disposition', `attachment; filename="directory-${entity}.csv"`)
      .send(toCsv({ columns, rows: items.map((i) => Object.fromEntries(columns.map((c) => [c.key, i[c.key] as Cell]))) }));
  });

  const importPage = (ctx: PageCtx, entity: Entity, csv: string, inner: RawHtml): RawHtml => {
    const d = dir(ctx);
    const headers = FIELDS[entity].map((f) => f.key).join(', ');
    return html`<div class="card">${subnav(ctx, entity)}<h1>${d.importHeading(d.entities[entity].title)}</h1>${inner}<p class="muted">${d.importHint(headers)}</p><form class="dir" method="post" action="${base(
      entity,
    )}/import/preview"><input type="hidden" name="csrf" value="${ctx.csrf}"><label for="csv">${d.csvText}</label><textarea id="csv" name="csv" rows="10" required spellcheck="false">${csv}</textarea><div class="buttons"><button type="submit">${d.previewButton}</button></div></form><p><a href="${base(entity)}">${d.back}</a></p></div>`;
  };

  const assertMayImport = (v: StaffSession) => {
    if (v.role !== 'coordinator') throw new DirectoryForbidden();
  };

  router.get('/directory/:entity/import', (req, res) => {
    const ctx = ctxOf(req, res);
    const entity = entityOf(req);
    assertMayImport(ctx.viewer);
    ctx.render(200, dir(ctx).importCsv, importPage(ctx, entity, '', html``), 'directory');
  });

  const csvOf = (req: Request): string => (typeof (req.body as Record<string, unknown> | undefined)?.csv === 'string' ? ((req.body as Record<string, string>).csv ?? '') : '');

  /** A row's reason with each field it names labelled in the page's language ("email: …" → "电子邮箱（email）: …"). */
  const reasonText = (d: DirectoryProse, reason: string): string =>
    reason
      .split('; ')
      .map((part) => part.replace(/^([A-Za-z]+): /, (whole, key: string) => (key in d.fields ? `${d.fields[key as DirectoryPageField]}（${key}）: ` : whole)))
      .join('; ');

  const badRows = (d: DirectoryProse, error: CsvImportError): RawHtml =>
    html`<div class="error"><p>${d.previewBad(error.rows.length)}</p><ul class="bad-rows">${error.rows.map((r) => html`<li><strong>${d.line(r.line)}</strong>：${reasonText(d, r.reason)}</li>`)}</ul></div>`;

  router.post('/directory/:entity/import/preview', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const d = dir(ctx);
    const entity = entityOf(req);
    assertMayImport(ctx.viewer);
    ours(res);
    const csv = csvOf(req);
    let rows;
    try {
      rows = await repos.directory.previewCsv(entity, withFieldHeaders(entity, csv));
    } catch (error) {
      if (!(error instanceof CsvImportError)) throw error;
      ctx.render(400, d.previewHeading, importPage(ctx, entity, csv, html`<p class="notice">${d.previewNothingWritten}</p>${badRows(d, error)}`), 'directory');
      return;
    }
    const names = await namesOf(repos);
    const columns = LIST_COLUMNS[entity];
    const created = rows.filter((r) => !r.exists).length;
    const table = html`<table class="cards"><thead><tr><th>#</th><th>${d.fields.id}</th>${columns.map((c) => html`<th>${d.fields[c]}</th>`)}<th>${d.actions}</th></tr></thead><tbody>${rows.map(
      (r) =>
        html`<tr><td data-label="">${d.line(r.line)}</td><td data-label="${d.fields.id}">${String(r.record.id)}</td>${columns.map(
          (c) => html`<td data-label="${d.fields[c]}">${shown(d, ctx.locale, names, c, r.record[c])}</td>`,
        )}<td data-label="${d.actions}"><span class="badge ${r.exists ? 'grey' : 'green'}">${r.exists ? d.willUpdate : d.willCreate}</span></td></tr>`,
    )}</tbody></table>`;
    const confirm = html`<form method="post" action="${base(entity)}/import"><input type="hidden" name="csrf" value="${ctx.csrf}"><input type="hidden" name="csv" value="${csv}"><div class="buttons"><button type="submit">${d.importButton}</button></div></form>`;
    ctx.render(
      200,
      d.previewHeading,
      html`<div class="card">${subnav(ctx, entity)}<h1>${d.previewHeading}</h1><p class="notice">${d.previewNothingWritten}</p><p class="ok">${d.previewGood(rows.length, created, rows.length - created)}</p>${table}${confirm}<p><a href="${base(entity)}/import">${d.back}</a></p></div>`,
      'directory',
    );
  });

  router.post('/directory/:entity/import', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const d = dir(ctx);
    const entity = entityOf(req);
    assertMayImport(ctx.viewer);
    ours(res);
    const csv = csvOf(req);
    try {
      const result = await repos.directory.importCsv(entity, withFieldHeaders(entity, csv));
      res.redirect(303, `${base(entity)}?done=imported&rows=${result.imported}&created=${result.created}&updated=${result.updated}`);
    } catch (error) {
      // The file changed since its preview (or was posted without one): the same refusal, nothing written.
      if (!(error instanceof CsvImportError)) throw error;
      ctx.render(400, d.previewHeading, importPage(ctx, entity, csv, badRows(d, error)), 'directory');
    }
  });

  router.use('/directory', (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!(err instanceof DirectoryForbidden) || res.headersSent) return next(err);
    const ctx = ctxOf(req, res);
    const d = dir(ctx);
    ctx.render(403, d.forbiddenTitle, messageCard(d.forbiddenTitle, [d.forbiddenBody]), 'directory');
  });
}
