/**
 * The coordinator's questionnaire pages (outcome evaluation), on the dashboard's session, layout
 * and CSRF rule; no script:
 *
 *   GET  /dashboard/surveys                       questionnaires with their versions, the import form
 *   GET  /dashboard/surveys/new[?rows=N]          define one: title, consent, N item rows (zh-CN and en)
 *   GET  /dashboard/surveys/:id/edit              the same form filled from the latest version
 *   POST /dashboard/surveys/new                   saves (a new questionnaire, or a new version of
 *                                                 `questionnaireId`); `add=1` only adds a row
 *   POST /dashboard/surveys/import                a JSON definition; a bad one: 400 naming each field
 *   GET  /dashboard/surveys/versions/:versionId   a version as a family sees it (a preview, no submit)
 *   POST /dashboard/cycles/:cycleId/surveys       a cycle's participant-survey and baseline questionnaires
 *
 * Staff see questionnaires and counts of invitations and answers, never one family's answers.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { Config } from '../../config';
import type { Repositories } from '../../db/repositories';
import { type Surveys, SurveyError } from '../../db/services/surveys';
import { InvalidInputError } from '../../db/util';
import type { QuestionnaireDefinition } from '../../domain/questionnaire';
import { catalogFor } from '../../i18n';
import type { SurveyProse } from '../../i18n/catalog';
import { DashboardNotFound } from '../dashboard/access';
import type { PageCtx } from '../dashboard/page-context';
import { html, raw, type RawHtml } from '../http/html';
import { messageCard } from '../http/layout';
import { formField } from '../http/session';
import { signedPageOf } from '../http/signed-page';
import { questionnaireForm } from './family-pages';

const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const DEFAULT_ROWS = 3;
const MAX_ROWS = 40;
const KINDS = ['likert', 'yesNo', 'choice', 'text'] as const;

type Staff = SurveyProse['staff'];
type Values = Record<string, string>;
type Errors = Record<string, string>;

export interface SurveyPagesDeps {
  repos: Repositories;
  config: Config;
  now: () => number;
}

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

/** The form's values as a definition (validated by the caller), and which row each item came from. */
function definitionFromForm(values: Values, rows: number): { definition: unknown; rowOf: number[] } {
  const items: Record<string, unknown>[] = [];
  const rowOf: number[] = [];
  for (let r = 1; r <= rows; r++) {
    const kind = values[`i${r}Kind`] ?? '';
    if (!(KINDS as readonly string[]).includes(kind)) continue;
    const base = { id: values[`i${r}Id`] || `q${r}`, kind, required: values[`i${r}Required`] === 'on', text: { 'zh-CN': values[`i${r}Zh`] ?? '', en: values[`i${r}En`] ?? '' } };
    const zh = lines(values[`i${r}ListZh`] ?? '');
    const en = lines(values[`i${r}ListEn`] ?? '');
    const pairs = Array.from({ length: Math.max(zh.length, en.length) }, (_, i) => ({ 'zh-CN': zh[i] ?? '', en: en[i] ?? '' }));
    if (kind === 'likert') items.push({ ...base, labels: pairs });
    else if (kind === 'choice') items.push({ ...base, options: pairs.map((text, i) => ({ id: `o${i + 1}`, text })) });
    else items.push(base);
    rowOf.push(r);
  }
  return {
    definition: { title: { 'zh-CN': values.titleZh ?? '', en: values.titleEn ?? '' }, consent: { 'zh-CN': values.consentZh ?? '', en: values.consentEn ?? '' }, items },
    rowOf,
  };
}

/** A stored definition as the form's values (the edit form). */
function formFromDefinition(d: QuestionnaireDefinition): Values {
  const v: Values = { titleZh: d.title['zh-CN'], titleEn: d.title.en, consentZh: d.consent['zh-CN'], consentEn: d.consent.en };
  d.items.forEach((item, i) => {
    const r = i + 1;
    v[`i${r}Id`] = item.id;
    v[`i${r}Kind`] = item.kind;
    v[`i${r}Zh`] = item.text['zh-CN'];
    v[`i${r}En`] = item.text.en;
    if (item.required) v[`i${r}Required`] = 'on';
    const list = item.kind === 'likert' ? item.labels : item.kind === 'choice' ? item.options.map((o) => o.text) : [];
    v[`i${r}ListZh`] = list.map((w) => w['zh-CN']).join('\n');
    v[`i${r}ListEn`] = list.map((w) => w.en).join('\n');
  });
  return v;
}

/** The form field an issue's path points at. */
function fieldOf(path: string, rowOf: readonly number[]): string {
  const [head, index, sub, , lang] = path.split('.');
  const langSuffix = (l: string | undefined) => (l === 'en' ? 'En' : 'Zh');
  if (head === 'title' || head === 'consent') return `${head}${langSuffix(index)}`;
  if (head === 'items' && index !== undefined && /^\d+$/.test(index)) {
    const r = rowOf[Number(index)] ?? 1;
    if (sub === 'text') return `i${r}${langSuffix(lang ?? path.split('.')[3])}`;
    if (sub === 'labels' || sub === 'options') return `i${r}ListZh`;
    if (sub === 'id') return `i${r}Kind`;
    return `i${r}Kind`;
  }
  return 'other';
}

export function surveyPages(router: Router, deps: SurveyPagesDeps, ctxOf: (req: Request, res: Response) => PageCtx): void {
  const form = express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 20 + MAX_ROWS * 9 });
  const surveysOf = () => deps.repos.surveys({ now: () => new Date(deps.now()) });

  function allowed(ctx: PageCtx): Staff | undefined {
    const s = catalogFor(ctx.locale).surveys.staff;
    if (ctx.viewer.role === 'coordinator') return s;
    ctx.render(403, s.onlyCoordinator.title, messageCard(s.onlyCoordinator.title, [s.onlyCoordinator.body]));
    return undefined;
  }
  function foreignForm(ctx: PageCtx, res: Response): boolean {
    if (signedPageOf(res).formIsOurs()) return false;
    const p = ctx.s.page.pages.forbidden;
    ctx.render(403, p.title, messageCard(p.title, [p.body]));
    return true;
  }

  async function listPage(ctx: PageCtx, s: Staff, status: number, note?: { kind: 'ok' | 'error'; text: RawHtml | string }, importValue = ''): Promise<void> {
    const qs = await surveysOf().listQuestionnaires();
    const c = s.columns;
    const list = qs.length
      ? html`<div class="scroll"><table class="cards"><thead><tr><th>${c.name}</th><th>${c.version}</th><th class="num">${c.items}</th><th class="num">${c.rounds}</th><th>${c.created}</th><th></th></tr></thead><tbody>${qs.flatMap((q) =>
          q.versions.map(
            (v, i) =>
              html`<tr><td data-label="${c.name}">${i === 0 ? html`<strong>${q.name}</strong>` : ''}</td><td data-label="${c.version}">${s.versionLabel(v.version)} · ${v.title[ctx.locale]}</td><td class="num" data-label="${c.items}">${v.items}</td><td class="num" data-label="${c.rounds}">${v.rounds}</td><td data-label="${c.created}">${ctx.s.page.when(v.createdAt)}</td><td><a href="/dashboard/surveys/versions/${encodeURIComponent(v.id)}?lang=${ctx.locale}">${s.view}</a>${
                i === q.versions.length - 1 ? html` · <a href="/dashboard/surveys/${encodeURIComponent(q.id)}/edit?lang=${ctx.locale}">${s.newVersion}</a>` : ''
              }</td></tr>`,
          ),
        )}</tbody></table></div>`
      : html`<p class="muted">${s.none}</p>`;
    ctx.render(
      status,
      s.heading,
      html`<div class="card"><h1>${s.heading}</h1>${note ? html`<div class="${note.kind}">${note.text}</div>` : ''}<p class="muted">${s.intro}</p><p><a class="button" href="/dashboard/surveys/new?lang=${ctx.locale}">${s.define}</a></p>${list}</div><div class="card"><h2>${s.importHeading}</h2><p class="muted">${s.importIntro}</p><form class="dir" method="post" action="/dashboard/surveys/import?lang=${ctx.locale}"><input type="hidden" name="csrf" value="${ctx.csrf}"><label for="json">${s.importLabel}</label><textarea id="json" name="json" maxlength="200000">${importValue}</textarea><div class="buttons"><button type="submit">${s.importButton}</button></div></form></div>`,
    );
  }

  function defineForm(ctx: PageCtx, s: Staff, values: Values, rows: number, errors: Errors, questionnaireId?: string): RawHtml {
    const f = s.fields;
    const err = (name: string) => (errors[name] ? html`<p class="field-error" id="${name}-error">${errors[name]}</p>` : '');
    const invalid = (name: string) => raw(errors[name] ? ` aria-invalid="true" aria-describedby="${name}-error"` : '');
    const input = (name: string, label: string) => html`<label for="${name}">${label}</label><input type="text" id="${name}" name="${name}" maxlength="500" value="${values[name] ?? ''}"${invalid(name)}>${err(name)}`;
    const area = (name: string, label: string, hint?: string) =>
      html`<label for="${name}">${label}</label><textarea id="${name}" name="${name}" maxlength="5000"${invalid(name)}>${values[name] ?? ''}</textarea>${hint ? html`<p class="hint">${hint}</p>` : ''}${err(name)}`;
    const row = (r: number) => {
      const kind = values[`i${r}Kind`] ?? '';
      const kinds = [['', f.kinds.none], ...KINDS.map((k) => [k, f.kinds[k]])] as [string, string][];
      return html`<fieldset><legend>${f.item(r)}</legend><input type="hidden" name="i${r}Id" value="${values[`i${r}Id`] ?? ''}"><label for="i${r}Kind">${f.kind}</label><select id="i${r}Kind" name="i${r}Kind"${invalid(`i${r}Kind`)}>${kinds.map(
        ([k, label]) => html`<option value="${k}"${raw(kind === k ? ' selected' : '')}>${label}</option>`,
      )}</select>${err(`i${r}Kind`)}${input(`i${r}Zh`, f.textZh)}${input(`i${r}En`, f.textEn)}<label class="inline"><input type="checkbox" name="i${r}Required"${raw(values[`i${r}Required`] === 'on' || !values[`i${r}Kind`] ? ' checked' : '')}> ${f.required}</label><div class="pair"><div>${area(
        `i${r}ListZh`,
        `${f.labelsZh} / ${f.optionsZh}`,
        `${f.labelsHint} ${f.optionsHint}`,
      )}</div><div>${area(`i${r}ListEn`, `${f.labelsEn} / ${f.optionsEn}`)}</div></div></fieldset>`;
    };
    const summary = Object.keys(errors).length ? html`<div class="error">${s.fixFields}${errors.other ? html`<br>${errors.other}` : ''}</div>` : '';
    return html`<div class="card"><h1>${s.define}</h1>${summary}<p class="muted">${s.defineIntro}</p><form class="plan" method="post" action="/dashboard/surveys/new?lang=${ctx.locale}" novalidate><input type="hidden" name="csrf" value="${ctx.csrf}"><input type="hidden" name="rows" value="${rows}">${
      questionnaireId ? html`<input type="hidden" name="questionnaireId" value="${questionnaireId}">` : input('name', f.name)
    }${input('titleZh', f.titleZh)}${input('titleEn', f.titleEn)}${area('consentZh', f.consentZh)}${area('consentEn', f.consentEn)}${Array.from({ length: rows }, (_, i) => row(i + 1))}<div class="buttons">${
      rows < MAX_ROWS ? html`<button type="submit" name="add" value="1" class="secondary">${s.addRow}</button>` : ''
    }<button type="submit">${s.save}</button></div></form></div>`;
  }

  router.get('/surveys', async (req, res) => {
    const ctx = ctxOf(req, res);
    const s = allowed(ctx);
    if (!s) return;
    const saved = typeof req.query.saved === 'string' ? req.query.saved : undefined;
    await listPage(ctx, s, 200, saved ? { kind: 'ok', text: saved } : undefined);
  });

  router.get('/surveys/new', (req, res) => {
    const ctx = ctxOf(req, res);
    const s = allowed(ctx);
    if (!s) return;
    const asked = Number(req.query.rows);
    const rows = Number.isInteger(asked) && asked >= 1 && asked <= MAX_ROWS ? asked : DEFAULT_ROWS;
    ctx.render(200, s.define, defineForm(ctx, s, {}, rows, {}));
  });

  router.get('/surveys/:questionnaireId/edit', async (req, res) => {
    const ctx = ctxOf(req, res);
    const s = allowed(ctx);
    if (!s) return;
    const id = String(req.params.questionnaireId);
    const latest = ID.test(id) ? await surveysOf().latestVersion(id) : undefined;
    if (!latest) throw new DashboardNotFound();
    ctx.render(200, s.define, defineForm(ctx, s, formFromDefinition(latest.definition), latest.definition.items.length + 1, {}, id));
  });

  router.post('/surveys/new', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const s = allowed(ctx);
    if (!s || foreignForm(ctx, res)) return;
    const asked = Number(formField(req.body, 'rows'));
    const rows = Number.isInteger(asked) && asked >= 1 && asked <= MAX_ROWS ? asked : DEFAULT_ROWS;
    const values: Values = {};
    for (const name of ['name', 'titleZh', 'titleEn', 'consentZh', 'consentEn']) values[name] = formField(req.body, name);
    for (let r = 1; r <= rows; r++) for (const f of ['Id', 'Kind', 'Zh', 'En', 'Required', 'ListZh', 'ListEn']) values[`i${r}${f}`] = formField(req.body, `i${r}${f}`);
    const questionnaireId = formField(req.body, 'questionnaireId');
    const existing = questionnaireId !== '' && ID.test(questionnaireId) ? questionnaireId : undefined;
    if (formField(req.body, 'add') === '1') return ctx.render(200, s.define, defineForm(ctx, s, values, Math.min(rows + 1, MAX_ROWS), {}, existing));

    const { definition, rowOf } = definitionFromForm(values, rows);
    const surveys = surveysOf();
    let saved: { version: number; name: string };
    try {
      if (existing) {
        const v = await surveys.addVersion(existing, definition, ctx.viewer.staffId);
        saved = { version: v.version, name: (await surveys.listQuestionnaires()).find((q) => q.id === existing)?.name ?? '' };
      } else {
        const q = await surveys.createQuestionnaire({ ...(values.name?.trim() ? { name: values.name } : {}), definition, by: ctx.viewer.staffId });
        saved = { version: q.version, name: values.name?.trim() || (definition as QuestionnaireDefinition).title['zh-CN'] };
      }
    } catch (err) {
      if (err instanceof InvalidInputError) {
        const errors: Errors = {};
        for (const issue of err.issues) errors[issue.field === 'items' && rowOf.length === 0 ? 'i1Kind' : fieldOf(issue.field, rowOf)] ??= s.checkField;
        return ctx.render(400, s.define, defineForm(ctx, s, values, rows, errors, existing));
      }
      if (err instanceof SurveyError && err.code === 'QUESTIONNAIRE_NOT_FOUND') throw new DashboardNotFound();
      throw err;
    }
    res.redirect(303, `/dashboard/surveys?lang=${ctx.locale}&saved=${encodeURIComponent(s.created(saved.name, saved.version))}`);
  });

  router.post('/surveys/import', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const s = allowed(ctx);
    if (!s || foreignForm(ctx, res)) return;
    const json = formField(req.body, 'json');
    try {
      const q = await surveysOf().importQuestionnaire(json, ctx.viewer.staffId);
      const name = (await surveysOf().listQuestionnaires()).find((x) => x.id === q.questionnaireId)?.name ?? '';
      res.redirect(303, `/dashboard/surveys?lang=${ctx.locale}&saved=${encodeURIComponent(s.created(name, q.version))}`);
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      const text = html`${s.importRefused}<ul class="bad-rows">${err.issues.map((i) => html`<li><code>${i.field}</code>: ${i.message}</li>`)}</ul>`;
      await listPage(ctx, s, 400, { kind: 'error', text }, json);
    }
  });

  router.get('/surveys/versions/:versionId', async (req, res) => {
    const ctx = ctxOf(req, res);
    const s = allowed(ctx);
    if (!s) return;
    const id = String(req.params.versionId);
    const version = ID.test(id) ? await surveysOf().version(id) : undefined;
    if (!version) throw new DashboardNotFound();
    // A preview in the public page's words; the staff's language picks which wording shows.
    ctx.render(
      200,
      s.preview(version.version),
      html`<div class="card"><h1>${s.preview(version.version)}</h1><p class="muted"><a href="/dashboard/surveys?lang=${ctx.locale}">${s.heading}</a></p></div><div style="max-width:560px">${questionnaireForm(version.definition, ctx.locale, { preview: true })}</div>`,
    );
  });

  router.post('/cycles/:cycleId/surveys', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const s = allowed(ctx);
    if (!s || foreignForm(ctx, res)) return;
    const cycleId = String(req.params.cycleId);
    if (!ID.test(cycleId) || !(await deps.repos.cycles.get(cycleId))) throw new DashboardNotFound();
    const pick = (name: string) => {
      const v = formField(req.body, name).trim();
      return v === '' ? null : v;
    };
    try {
      await surveysOf().setCycleQuestionnaires(cycleId, { surveyQuestionnaireId: pick('surveyQuestionnaireId'), baselineQuestionnaireId: pick('baselineQuestionnaireId') }, deps.config.surveys);
    } catch (err) {
      if (err instanceof SurveyError && err.code === 'QUESTIONNAIRE_NOT_FOUND') {
        const p = ctx.s.page.pages.invalid;
        return ctx.render(400, p.title, messageCard(p.title, [`${err.field === 'baselineQuestionnaireId' ? s.baselineQuestionnaire : s.surveyQuestionnaire}: ${s.notFound.body}`]));
      }
      throw err;
    }
    res.redirect(303, `/dashboard/cycles/${encodeURIComponent(cycleId)}?lang=${ctx.locale}&surveys=1`);
  });
}

/** The cycle page's card: its two questionnaires (a form for the coordinator) and its rounds with counts. */
export async function cycleSurveySection(repos: Repositories, ctx: PageCtx, cycleId: string, query: Record<string, unknown>): Promise<RawHtml> {
  const s = catalogFor(ctx.locale).surveys.staff;
  const surveys: Surveys = repos.surveys();
  const [chosen, questionnaires, rounds] = await Promise.all([surveys.cycleQuestionnaires(cycleId), surveys.listQuestionnaires(), surveys.roundsOfCycle(cycleId)]);
  const activityIds = rounds.map((r) => r.activityId).filter((id): id is string => id !== null);
  const titles = new Map([...(await repos.activities.titlesAndStages(activityIds))].map(([id, t]) => [id, t.title]));
  const select = (name: 'surveyQuestionnaireId' | 'baselineQuestionnaireId', label: string) =>
    html`<label for="${name}">${label}</label><select id="${name}" name="${name}"><option value="">${s.noQuestionnaire}</option>${questionnaires.map(
      (q) => html`<option value="${q.id}"${raw(chosen?.[name] === q.id ? ' selected' : '')}>${q.name}</option>`,
    )}</select>`;
  const form =
    ctx.viewer.role === 'coordinator'
      ? html`<form method="post" action="/dashboard/cycles/${encodeURIComponent(cycleId)}/surveys?lang=${ctx.locale}"><input type="hidden" name="csrf" value="${ctx.csrf}">${select('surveyQuestionnaireId', s.surveyQuestionnaire)}${select(
          'baselineQuestionnaireId',
          s.baselineQuestionnaire,
        )}<div class="buttons"><button type="submit">${s.setQuestionnaires}</button></div></form>`
      : '';
  const list = rounds.length
    ? html`<ul class="records">${rounds.map(
        (r) => html`<li>${s.roundLine(s.roundKinds[r.kind], r.activityId ? (titles.get(r.activityId) ?? '') : '', ctx.s.page.when(r.opensAt), ctx.s.page.when(r.closesAt), String(r.invited), String(r.answered))}</li>`,
      )}</ul>`
    : html`<p class="muted">${s.noRounds}</p>`;
  return html`<div class="card" id="surveys"><h2>${s.cycleHeading}</h2>${query.surveys === '1' ? html`<div class="ok">${s.questionnairesSet}</div>` : ''}<p class="muted">${s.cycleIntro}</p>${form}<h3>${s.roundsHeading}</h3>${list}</div>`;
}
