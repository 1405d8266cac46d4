/**
 * Outcome evaluation on the dashboard (issue 12): aggregates only, computed from the answers when
 * the page is asked for (reports/outcomes.ts), so a withdrawn answer is gone from every figure.
 *
 *   the activity page            its participant survey: response rate and each item's distribution
 *   the cycle report             "成效评估": each round's response rate and distributions, the pre/post table
 *   GET /dashboard/surveys/rounds/:roundId   the records behind a round's figures: which families were
 *                                invited and whether they answered — never what (coordinators; an
 *                                activity's round also for those who may see the activity)
 *   GET /dashboard/cycles/:cycleId/csv/outcomes   the `outcomes` table (coordinators), in api/dashboard/report.ts
 */
import type { Request, Response, Router } from 'express';
import type { Locale } from '../../domain/vocabulary';
import { catalogFor } from '../../i18n';
import type { EvaluationProse } from '../../i18n/catalog';
import { formatNumber } from '../../i18n/format';
import type { CycleEvaluation, ItemDistribution, PrePostFigures, RoundFigures } from '../../reports/outcomes';
import { changeText, distributionText, percent, pText, roundName } from '../../reports/outcomes-table';
import { cycleOutcomeSection } from '../../reports/year-outcomes';
import { outcomeCharts } from '../reports/year-report-view';
import { html, type RawHtml } from '../http/html';
import { assertActivityVisible, assertReportVisible, DashboardNotFound } from './access';
import { compoundNames, type DashboardData } from './data';
import type { PageCtx } from './page-context';

const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export const roundHref = (roundId: string, locale: Locale) => `/dashboard/surveys/rounds/${encodeURIComponent(roundId)}?lang=${locale}`;

function responses(e: EvaluationProse, r: RoundFigures, locale: Locale): string {
  return e.responses(formatNumber(r.answered, locale), formatNumber(r.invited, locale), percent(r.responseRate, locale));
}

/** One item's distribution: a Likert item's counts per point (with its labels), yes/no's share, choice's counts, a text item's count. */
function itemHtml(e: EvaluationProse, item: ItemDistribution, locale: Locale): RawHtml {
  const n = (x: number) => formatNumber(x, locale);
  const head = html`<div class="what">${item.text[locale]} <span class="badge grey">${e.itemKinds[item.kind]}</span></div>`;
  if (item.likert) {
    const { counts, labels, mean } = item.likert;
    return html`<li>${head}<div class="when">${e.answeredItem(n(item.answered))}${mean !== null ? html` · ${e.likertMean(formatNumber(mean, locale))}` : ''}</div><table class="report"><tbody>${counts.map(
      (c, i) => html`<tr><td>${i + 1} · ${labels[i]?.[locale] ?? ''}</td><td class="num">${n(c)}</td></tr>`,
    )}</tbody></table></li>`;
  }
  if (item.choice) {
    return html`<li>${head}<div class="when">${e.answeredItem(n(item.answered))}</div><table class="report"><tbody>${item.choice.map(
      (o) => html`<tr><td>${o.text[locale]}</td><td class="num">${n(o.count)}</td></tr>`,
    )}</tbody></table></li>`;
  }
  return html`<li>${head}<div class="when">${distributionText(item, locale)}</div></li>`;
}

/** A round's response rate (linked to its invitations) and its items. */
function roundHtml(e: EvaluationProse, r: RoundFigures, locale: Locale, heading: 'h2' | 'h3'): RawHtml {
  const title = roundName(r, locale);
  const h = heading === 'h2' ? html`<h2>${title}</h2>` : html`<h3>${title}</h3>`;
  return html`${h}<p class="round-responses" data-round="${r.roundId}"><a href="${roundHref(r.roundId, locale)}">${responses(e, r, locale)}</a></p><ul class="records">${r.items.map((i) =>
    itemHtml(e, i, locale),
  )}</ul>`;
}

/** The activity page's section: its participant survey (nothing for an activity without one: most of them, in cycles without a survey). */
export function activitySurveySection(locale: Locale, round: RoundFigures | undefined): RawHtml | '' {
  const e = catalogFor(locale).evaluation;
  if (!round) return '';
  return html`<div class="card" id="survey"><h2>${e.surveyHeading}</h2>${roundHtml(e, round, locale, 'h3')}</div>`;
}

function prePostHtml(e: EvaluationProse, pp: PrePostFigures, locale: Locale): RawHtml {
  const c = e.prePostColumns;
  const n = (x: number) => formatNumber(x, locale);
  const rounds = html`<a href="${roundHref(pp.baselineRoundId, locale)}">${e.roundKinds.baseline}</a> · <a href="${roundHref(pp.endRoundId, locale)}">${e.roundKinds.end}</a>`;
  // One column carries the item and its shares ("每周至少一次深度对话：31% → 54%"): the table fits a phone.
  return html`<h3>${e.prePost}</h3><p class="muted">${e.prePostIntro(n(pp.families))}</p><p class="noprint">${rounds}</p><div class="scroll"><table class="report pre-post"><thead><tr><th>${c.share}</th><th class="num">${c.pairs}</th><th class="num">${c.meanChange}</th><th class="num">${c.pValue}</th><th>${c.test}</th></tr></thead><tbody>${pp.items.map(
    (item) => {
      const f = item.figures;
      const name = item.text[locale];
      if (!f) return html`<tr data-item="${item.itemId}"><td>${name}</td><td class="num">${n(item.pairs)}</td><td colspan="3" class="muted">${e.tooFewPairs}</td></tr>`;
      return html`<tr data-item="${item.itemId}"><td class="share">${e.shareChange(name, percent(f.shareBefore, locale), percent(f.shareAfter, locale))}</td><td class="num">${n(item.pairs)}</td><td class="num">${changeText(item, locale)}</td><td class="num">${pText(f.test.pValue)}</td><td class="muted">${f.test.pValue === null ? e.noChange : e.tests[f.test.method]}</td></tr>`;
    },
  )}</tbody></table></div>`;
}

/** The cycle report's section "成效评估". */
export function cycleEvaluationSection(locale: Locale, evaluation: CycleEvaluation, csvHref: string, csvWord: string): RawHtml {
  const e = catalogFor(locale).evaluation;
  const rounds = [...(evaluation.baseline ? [evaluation.baseline] : []), ...evaluation.activityRounds, ...(evaluation.end ? [evaluation.end] : [])];
  const rc = e.roundColumns;
  const table = rounds.length
    ? html`<div class="scroll"><table class="report rounds"><thead><tr><th>${rc.round}</th><th>${rc.questionnaire}</th><th class="num">${rc.invited}</th><th class="num">${rc.answered}</th><th class="num">${rc.rate}</th></tr></thead><tbody>${rounds.map(
        (r) =>
          html`<tr data-round="${r.roundId}"><td class="name"><a href="${roundHref(r.roundId, locale)}">${roundName(r, locale)}</a></td><td>${r.title[locale]}</td><td class="num">${formatNumber(r.invited, locale)}</td><td class="num">${formatNumber(r.answered, locale)}</td><td class="num">${percent(r.responseRate, locale)}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="muted">${e.noRounds}</p>`;
  const details = rounds.map((r) => html`<details><summary>${roundName(r, locale)} · ${responses(e, r, locale)}</summary>${roundHtml(e, r, locale, 'h3')}</details>`);
  // The pictures of the same figures (pre/post bars, response rates); the tables below carry the tests.
  const charts = rounds.length ? outcomeCharts(catalogFor(locale).yearReport, cycleOutcomeSection(evaluation), 'chart-cycle-outcomes', locale, false) : '';
  return html`<div class="card" id="evaluation"><h2>${e.heading} <a class="noprint csv" href="${csvHref}" download>${csvWord}</a></h2>${table}${charts}${
    evaluation.prePost ? prePostHtml(e, evaluation.prePost, locale) : html`<p class="muted">${e.noPrePost}</p>`
  }${details}</div>`;
}

/** The round's page: who was invited and whether they answered. */
export function roundPageRoutes(router: Router, data: DashboardData, ctxOf: (req: Request, res: Response) => PageCtx): void {
  router.get('/surveys/rounds/:roundId', async (req, res) => {
    const ctx = ctxOf(req, res);
    const roundId = String(req.params.roundId);
    if (!ID.test(roundId)) throw new DashboardNotFound();
    const records = data.repos.surveyRecords;
    const round = await records.round(roundId);
    if (!round) throw new DashboardNotFound();
    // An activity's round is seen by those who see the activity; a cycle's, as its report, by coordinators.
    if (round.kind === 'activity' && round.activityCompound !== null) assertActivityVisible(ctx.viewer, round.activityCompound);
    else assertReportVisible(ctx.viewer);
    const [roster, compounds] = await Promise.all([records.roster(roundId), compoundNames(data.repos)]);
    const e = catalogFor(ctx.locale).evaluation;
    const p = e.roundPage;
    const name = roundName(round, ctx.locale);
    const answered = roster.filter((r) => r.answered).length;
    ctx.render(
      200,
      p.heading(name),
      html`<div class="card"><h1>${p.heading(name)}</h1><p>${e.responses(formatNumber(answered, ctx.locale), formatNumber(roster.length, ctx.locale), percent(roster.length ? answered / roster.length : null, ctx.locale))}</p><p class="muted">${p.intro}</p>${
        roster.length
          ? html`<div class="scroll"><table class="report roster"><thead><tr><th>${p.columns.family}</th><th>${p.columns.compound}</th><th>${p.columns.invitedAt}</th><th>${p.columns.answered}</th></tr></thead><tbody>${roster.map(
              (r) =>
                html`<tr><td class="name">${r.name}</td><td>${compounds.get(r.compound) ?? r.compound}</td><td class="t">${ctx.s.page.when(r.invitedAt)}</td><td>${r.answered ? html`<span class="badge green">${p.answered}</span>` : html`<span class="badge grey">${p.notAnswered}</span>`}</td></tr>`,
            )}</tbody></table></div>`
          : html`<p class="muted">${p.none}</p>`
      }</div>`,
    );
  });
}
