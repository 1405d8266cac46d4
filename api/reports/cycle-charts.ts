/**
 * The cycle report's charts (issue 12): participants per held activity (each bar linking to the
 * activity) and the points the report counts, awarded and redeemed, per month (each bar linking
 * to the list of those ledger entries):
 *
 *   GET /dashboard/cycles/:cycleId/report/points/:kind?month=YYYY-MM   kind: awarded | redeemed
 *
 * The entries are exactly the report's (`points.awarded.entryIds`, `points.redeemed.entryIds`),
 * bucketed by the Beijing month they were written in.
 */
import type { Request, Response, Router } from 'express';
import type { CycleReport } from '../../domain/cycle-report';
import type { Locale } from '../../domain/schemas';
import { beijingDayOf, beijingMonthOf, monthsOf, periodOfDays, type YearLedgerEntry } from '../../domain/year-report';
import { catalogFor } from '../../i18n';
import { formatDateTime } from '../../i18n/format';
import { CycleError } from '../../db/services/cycles';
import { assertReportVisible, DashboardNotFound } from '../dashboard/access';
import type { DashboardData } from '../dashboard/data';
import type { PageCtx } from '../dashboard/page-context';
import { html, type RawHtml } from '../http/html';
import { activityHref, cycleReportHref, directoryHref } from './links';
import { YEAR_REPORT_STYLE, participantsChart, pointsChart } from './year-report-view';

const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const KINDS = ['awarded', 'redeemed'] as const;
type Kind = (typeof KINDS)[number];

const pointsHref = (cycleId: string, kind: Kind, month: string) => `${cycleReportHref(cycleId)}/points/${kind}?month=${month}`;

/** The report's counted entries, by kind and Beijing month. */
function byMonth(report: CycleReport, entries: readonly YearLedgerEntry[]): Map<string, Record<Kind, YearLedgerEntry[]>> {
  const kindOf = new Map<string, Kind>([...report.points.awarded.entryIds.map((id) => [id, 'awarded'] as const), ...report.points.redeemed.entryIds.map((id) => [id, 'redeemed'] as const)]);
  const start = beijingDayOf(Date.parse(report.periodStart));
  const end = beijingDayOf(Math.min(Date.parse(report.periodEnd), Date.parse(report.asOf)));
  const period = periodOfDays(start, end < start ? start : end);
  const months = new Map<string, Record<Kind, YearLedgerEntry[]>>((period ? monthsOf(period) : []).map((m) => [m, { awarded: [], redeemed: [] }]));
  for (const e of entries) {
    const kind = kindOf.get(e.entryId);
    if (!kind) continue;
    const month = beijingMonthOf(e.createdAt);
    const bucket = months.get(month) ?? { awarded: [], redeemed: [] };
    bucket[kind].push(e);
    months.set(month, bucket);
  }
  return new Map([...months.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** The charts of a cycle report (its entries from repos.points.entriesByIds). */
export function cycleReportCharts(report: CycleReport, entries: readonly YearLedgerEntry[], locale: Locale): RawHtml {
  const y = catalogFor(locale).yearReport;
  const title = new Map(report.activities.rows.map((a) => [a.activityId, a.title]));
  const rows = report.participants.perActivity.map((p) => ({ activityId: p.activityId, title: title.get(p.activityId) ?? p.activityId, participants: p.participants }));
  const months = [...byMonth(report, entries).entries()].map(([month, b]) => ({
    month,
    awarded: b.awarded.reduce((s, e) => s + e.amount, 0),
    redeemed: 0 - b.redeemed.reduce((s, e) => s + e.amount, 0) || 0,
    hrefs: [pointsHref(report.cycleId, 'awarded', month), pointsHref(report.cycleId, 'redeemed', month)] as [string, string],
  }));
  return html`<style>${YEAR_REPORT_STYLE}</style><div class="card" id="cycle-charts">${participantsChart('chart-participants', y, rows)}${pointsChart('chart-points', y, months)}</div>`;
}

/** The entry ids a cycle report counts, for repos.points.entriesByIds. */
export function countedEntryIds(report: CycleReport): string[] {
  return [...report.points.awarded.entryIds, ...report.points.redeemed.entryIds];
}

export function cycleChartRoutes(router: Router, data: DashboardData, ctxOf: (req: Request, res: Response) => PageCtx): void {
  router.get('/cycles/:cycleId/report/points/:kind', async (req, res) => {
    const ctx = ctxOf(req, res);
    assertReportVisible(ctx.viewer);
    const cycleId = String(req.params.cycleId);
    const kind = String(req.params.kind) as Kind;
    const month = typeof req.query.month === 'string' ? req.query.month : '';
    if (!ID.test(cycleId) || !KINDS.includes(kind) || !MONTH.test(month)) throw new DashboardNotFound();
    let report: CycleReport;
    try {
      report = (await data.repos.cycleRecords.cycleReport(cycleId)).report;
    } catch (err) {
      if (err instanceof CycleError && err.code === 'CYCLE_NOT_FOUND') throw new DashboardNotFound();
      throw err;
    }
    const entries = byMonth(report, await data.repos.points.entriesByIds(countedEntryIds(report))).get(month)?.[kind] ?? [];
    const y = catalogFor(ctx.locale).yearReport;
    const c = y.records.columns;
    const kinds = y.records.kinds as Record<string, string>;
    const activityTitle = new Map(report.activities.rows.map((a) => [a.activityId, a.title]));
    const heading = y.records.heading(`${report.name} · ${kind === 'awarded' ? y.charts.points.awarded : y.charts.points.redeemed} · ${y.month(month)}`);
    const body = entries.length
      ? html`<div class="scroll"><table class="report"><thead><tr><th>${c.date}</th><th>${c.holder}</th><th>${c.kind}</th><th class="num">${c.points}</th><th>${c.activity}</th></tr></thead><tbody>${entries.map(
          (e) =>
            html`<tr><td>${formatDateTime(e.createdAt, ctx.locale, undefined, 0)}</td><td><a href="${directoryHref(e.holderKind === 'family' ? 'families' : 'volunteers', e.holderId)}">${e.holderName || e.holderId}</a></td><td>${kinds[e.kind] ?? e.kind}</td><td class="num">${e.amount}</td><td>${
              e.activityId ? html`<a href="${activityHref(e.activityId)}">${activityTitle.get(e.activityId) ?? e.activityId}</a>` : '–'
            }</td></tr>`,
        )}</tbody></table></div>`
      : html`<p class="muted">${y.records.none}</p>`;
    ctx.render(200, heading, html`<div class="card"><h1>${heading}</h1><p class="noprint"><a href="${cycleReportHref(cycleId)}">${y.records.back}</a></p>${body}</div>`);
  });
}
