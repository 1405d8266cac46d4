/**
 * Incubation cycles on the dashboard: the overview's grouping (the cycles table, with its
 * milestones, for cycles that were started as such; otherwise the activities' cycle id), and the
 * cycle report page (coordinators only) with its CSV downloads.
 */
import type { Request, Response, Router } from 'express';
import { CycleError } from '../../db/services/cycles';
import { CYCLE_REPORT_TABLES, cycleReportTable, type CycleReportTableName } from '../../reports/cycle-report';
import { type CycleReport } from '../../domain/cycle-report';
import { toCsv, type Cell, type CsvTable } from '../../lib/csv';
import { html, type RawHtml } from '../http/html';
import { assertReportVisible, compoundScope, DashboardNotFound } from './access';
import { compoundNames, type ActivityOverview, type DashboardData } from './data';
import type { DashboardStrings } from './i18n';
import type { PageCtx } from './page-context';
import type { CycleGroup } from './views';
import { computeCycleEvaluation, type CycleEvaluation } from '../../reports/outcomes';
import { outcomesTable } from '../../reports/outcomes-table';
import { catalogFor } from '../../i18n';
import { cycleEvaluationSection } from './evaluation';
import { countedEntryIds, cycleReportCharts } from '../reports/cycle-charts';

const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
/** The overview shows this many recorded cycles at most (the newest). */
const CYCLES_SHOWN = 20;

type MilestoneState = 'done' | 'late' | 'overdue' | 'pending';

function milestoneState(m: { dueAt: string; doneAt: string | null }, nowMs: number): MilestoneState {
  if (m.doneAt) return m.doneAt <= m.dueAt ? 'done' : 'late';
  return Date.parse(m.dueAt) < nowMs ? 'overdue' : 'pending';
}

const STATE_BADGE: Record<MilestoneState, string> = { done: 'green', late: '', overdue: 'red', pending: 'grey' };

/**
 * The overview's cycles, newest first: each recorded cycle the viewer may see (with its period,
 * compounds and milestones), then any other cycle id the activities carry. Activities by start time.
 */
export async function cycleGroups(
  data: DashboardData,
  ctx: PageCtx,
  activities: readonly ActivityOverview[],
  compounds: ReadonlyMap<string, string>,
  /** A later page of the overview: only the cycles its activities belong to (the first page shows every recorded cycle). */
  onlyTheirCycles = false,
): Promise<CycleGroup[]> {
  const { s } = ctx;
  const scope = compoundScope(ctx.viewer);
  const byCycle = new Map<string, ActivityOverview[]>();
  for (const a of activities) {
    const list = byCycle.get(a.cycleId) ?? [];
    list.push(a);
    byCycle.set(a.cycleId, list);
  }
  const sortActivities = (list: ActivityOverview[]) => list.sort((x, y) => (x.startsAt ?? '').localeCompare(y.startsAt ?? ''));

  const recorded = (await data.repos.cycleRecords.recentCycles(CYCLES_SHOWN * 5))
    .map((c) => ({ ...c, compounds: JSON.parse(c.compounds_json) as string[] }))
    .filter((c) => (scope === undefined || c.compounds.includes(scope) || byCycle.has(c.id)) && (!onlyTheirCycles || byCycle.has(c.id)))
    .slice(0, CYCLES_SHOWN);
  const cycles = data.repos.cycles;
  const nowMs = Date.now();
  const groups: CycleGroup[] = [];
  for (const c of recorded) {
    const milestones = await cycles.milestones(c.id);
    const states = milestones.map((m) => ({ m, state: milestoneState(m, nowMs) }));
    const done = states.filter((x) => x.state === 'done' || x.state === 'late').length;
    const details = html`<dl class="kv"><dt>${s.cycles.period}</dt><dd>${s.page.range(c.period_start, c.period_end)}${
      c.closed_at ? html` <span class="badge grey">${s.cycles.closed}</span>` : ''
    }</dd><dt>${s.cycles.compounds}</dt><dd>${c.compounds.map((id) => compounds.get(id) ?? id).join('、')}</dd>${
      milestones.length
        ? html`<dt>${s.cycles.milestones}</dt><dd>${s.cycles.milestonesDone(done, milestones.length)}<div>${states.map(
            (x) => html`<span class="badge ${STATE_BADGE[x.state]}" title="${s.page.when(x.m.dueAt)}">${x.m.name} · ${s.cycles.states[x.state]}</span> `,
          )}</div></dd>`
        : ''
    }</dl>`;
    groups.push({ cycleId: c.id, name: c.name, recorded: true, activities: sortActivities(byCycle.get(c.id) ?? []), details });
    byCycle.delete(c.id);
  }
  const others = [...byCycle.entries()].sort(([a], [b]) => b.localeCompare(a));
  for (const [cycleId, list] of others) groups.push({ cycleId, recorded: false, activities: sortActivities(list) });
  return groups;
}

// ---- the report page ---------------------------------------------------------------------------

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function cellTextOf(s: DashboardStrings, key: string, value: Cell, compounds?: ReadonlyMap<string, string>): string {
  if (value === null || value === undefined || value === '') return '–';
  if (key === 'compound' && typeof value === 'string') return compounds?.get(value) ?? value;
  if (typeof value === 'boolean') return s.report.values[String(value)] ?? String(value);
  if (typeof value === 'number') return String(value);
  if (ISO_INSTANT.test(value)) return s.page.when(value);
  return value;
}

interface TableOptions {
  hide?: readonly string[];
  linkOf?: (row: CsvTable['rows'][number]) => { key: string; href: string } | undefined;
  compounds?: ReadonlyMap<string, string>;
}

function tableHtml(s: DashboardStrings, table: CsvTable, o: TableOptions = {}): RawHtml {
  const hide = o.hide ?? [];
  const linkOf = o.linkOf;
  const columns = table.columns.filter((c) => !hide.includes(c.key));
  if (table.rows.length === 0) return html`<p class="muted">${s.report.empty}</p>`;
  const numeric = (key: string) => table.rows.every((r) => r[key] === null || r[key] === undefined || typeof r[key] === 'number');
  const cellText = (key: string, value: Cell) => cellTextOf(s, key, value, o.compounds);
  const cls = (key: string, value: Cell) => (numeric(key) ? html` class="num"` : typeof value === 'string' && ISO_INSTANT.test(value) ? html` class="t"` : '');
  return html`<div class="scroll"><table class="report"><thead><tr>${columns.map((c) => html`<th${numeric(c.key) ? html` class="num"` : ''}>${c.header}</th>`)}</tr></thead><tbody>${table.rows.map(
    (r) =>
      html`<tr>${columns.map((c) =>
        c.key === 'sources' || c.key.endsWith('Ids') || c.key === 'activities' || c.key === 'sponsorships' || c.key === 'venueActivities' || c.key === 'coupons'
          ? html`<td class="muted">${cellText(c.key, r[c.key])}</td>`
          : linkOf?.(r)?.key === c.key
            ? html`<td class="name"><a href="${linkOf(r)!.href}">${cellText(c.key, r[c.key])}</a></td>`
            : html`<td${cls(c.key, r[c.key])}>${cellText(c.key, r[c.key])}</td>`,
      )}</tr>`,
  )}</tbody></table></div>`;
}

function money(s: DashboardStrings, yuan: number): string {
  return s.page.money(yuan);
}

function reportBody(
  s: DashboardStrings,
  locale: 'zh-CN' | 'en',
  report: CycleReport,
  final: boolean,
  compounds: ReadonlyMap<string, string>,
  evaluation: CycleEvaluation,
  charts: RawHtml | '' = '',
): RawHtml {
  const r = report;
  const f = s.report.figures;
  const csvHref = (table: CycleReportTableName) => `/dashboard/cycles/${encodeURIComponent(r.cycleId)}/csv/${table}?lang=${locale}`;
  const fig = (label: string, value: string | number) => html`<div class="fig"><div class="v">${value}</div><div class="k">${label}</div></div>`;
  const avg = r.feedback.averages;
  const figures = html`<div class="figs">${[
    fig(f.held, r.activities.held.count),
    fig(f.participants, r.participants.total),
    fig(f.average, r.participants.average ?? '–'),
    fig(f.families, r.families.distinct.count),
    fig(f.familiesEarned, r.families.earnedPoints.count),
    fig(f.pointsAwarded, r.points.awarded.total),
    fig(f.volunteerHours, r.volunteers.hours.total),
    fig(f.merchants, r.merchants.engaged.count),
    fig(f.venueHours, r.merchants.venueHours.total),
    fig(f.sponsorship, money(s, r.sponsorship.totalCny)),
    fig(f.feedback, avg ? `${avg.organisation} / ${avg.participation} / ${avg.effect}` : '–'),
    fig(f.milestones, `${r.milestones.onTime.count}/${r.milestones.rows.length}`),
    // Reports closed before this was counted have none.
    ...(r.points.outsideActivities ? [fig(f.pointsOutsideActivities, r.points.outsideActivities.total)] : []),
    fig(f.couponsUsed, r.coupons?.used.count ?? '–'),
  ]}</div>`;
  const section = (name: CycleReportTableName, o: TableOptions = {}) =>
    html`<div class="card"><h2>${s.report.tables[name]} <a class="noprint csv" href="${csvHref(name)}" download>${s.report.csv}</a></h2>${tableHtml(
      s,
      cycleReportTable(r, name, locale),
      { compounds, ...o },
    )}</div>`;
  const activityLink: TableOptions['linkOf'] = (row) =>
    typeof row.activityId === 'string' ? { key: 'title', href: `/dashboard/activities/${encodeURIComponent(row.activityId)}` } : undefined;
  return html`<div class="card"><h1>${s.report.heading(
    r.name,
  )}</h1><dl class="kv"><dt>${s.report.period}</dt><dd>${s.page.range(r.periodStart, r.periodEnd)}</dd><dt>${s.report.compounds}</dt><dd>${r.compounds.map((id) => compounds.get(id) ?? id).join('、')}</dd><dt>ID</dt><dd>${r.cycleId}</dd></dl><p class="${
    final ? 'ok' : 'notice'
  }">${final ? s.report.final : s.report.provisional(s.page.when(r.asOf))}</p><p class="muted noprint">${s.report.printHint}</p></div><div class="card"><h2>${s.report.keyFigures}</h2>${figures}</div>${charts}${
    // Outcome evaluation is computed now even in a final report: a withdrawn answer leaves it.
    cycleEvaluationSection(locale, evaluation, `/dashboard/cycles/${encodeURIComponent(r.cycleId)}/csv/outcomes?lang=${locale}`, catalogFor(locale).evaluation.csv.link)
  }${section('activities', {
    // The page keeps what a reader compares; the CSV has every column.
    hide: ['activityId', 'theme', 'endsAt', 'merchantId', 'venueSource', 'approvalRounds', 'approvalEscalated', 'organisation', 'participation', 'effect'],
    linkOf: activityLink,
  })}${section('families', { hide: ['familyId', 'activities'] })}${section('volunteers', { hide: ['volunteerId', 'activities'] })}${section('merchants')}${section(
    'sponsorships',
  )}${section('milestones')}${section('coupons', { hide: ['merchantId'] })}${section('summary', { hide: ['key'] })}`;
}

async function loadReport(data: DashboardData, cycleId: string): Promise<{ final: boolean; report: CycleReport }> {
  try {
    return await data.repos.cycleRecords.cycleReport(cycleId);
  } catch (err) {
    if (err instanceof CycleError && err.code === 'CYCLE_NOT_FOUND') throw new DashboardNotFound();
    throw err;
  }
}

export function reportRoutes(router: Router, data: DashboardData, ctxOf: (req: Request, res: Response) => PageCtx): void {
  router.get('/cycles/:cycleId/report', async (req, res) => {
    const ctx = ctxOf(req, res);
    assertReportVisible(ctx.viewer);
    const cycleId = String(req.params.cycleId);
    if (!ID.test(cycleId)) throw new DashboardNotFound();
    const [{ final, report }, compounds] = await Promise.all([loadReport(data, cycleId), compoundNames(data.repos)]);
    const evaluation = await computeCycleEvaluation(data.repos.surveyRecords, cycleId);
    // The report's pictures, each bar linking to its records (api/reports/cycle-charts.ts).
    const charts = cycleReportCharts(report, await data.repos.points.entriesByIds(countedEntryIds(report)), ctx.locale);
    ctx.render(200, ctx.s.report.heading(report.name), reportBody(ctx.s, ctx.locale, report, final, compounds, evaluation, charts));
  });

  router.get('/cycles/:cycleId/csv/:table', async (req, res) => {
    const ctx = ctxOf(req, res);
    assertReportVisible(ctx.viewer);
    const cycleId = String(req.params.cycleId);
    const table = String(req.params.table) as CycleReportTableName | 'outcomes';
    if (!ID.test(cycleId) || !([...CYCLE_REPORT_TABLES, 'outcomes'] as readonly string[]).includes(table)) throw new DashboardNotFound();
    const { report } = await loadReport(data, cycleId);
    res
      .status(200)
      .type('text/csv; charset=utf-8')
      .setHeader('Content-Disposition', `attachment; filename="cycle-${cycleId.replace(/[^A-Za-z0-9_.-]/g, '_')}-${table}.csv"`)
      .send(
        // The outcomes table is computed from the answers now (aggregates only), the others from the report.
        toCsv(table === 'outcomes' ? outcomesTable(await computeCycleEvaluation(data.repos.surveyRecords, report.cycleId), ctx.locale) : cycleReportTable(report, table, ctx.locale)),
      );
  });
}
