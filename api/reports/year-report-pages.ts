/**
 * The year report's pages on the dashboard (coordinators, as the cycle report):
 *
 *   GET /dashboard/reports/year[?from=YYYY-MM-DD&to=YYYY-MM-DD]   the report (default: this calendar year, Beijing time)
 *   GET /dashboard/reports/year/records/:figure[?…&month=YYYY-MM]  the records behind a figure or a bar
 *   GET /dashboard/reports/year/csv/:table                          a table of totals as CSV (no names of people)
 *   GET /dashboard/reports/year/pdf                                 the report printed by headless Chromium
 *
 * A bad period is a 400 page naming the field, with the form to correct it. The PDF answers 503
 * naming the missing browser (config CHROMIUM_PATH) instead of failing.
 */
import type { Request, Response, Router } from 'express';
import type { Config } from '../../config';
import type { Repositories } from '../../db/repositories';
import { beijingYearOf, calendarYearPeriod, periodOfDays, type ReportPeriod } from '../../domain/year-report';
import { catalogFor } from '../../i18n';
import { toCsv } from '../../lib/csv';
import { createPdfPrinter, PdfPrinterUnavailable, type PdfPrinter } from '../../lib/pdf-printer';
import { YEAR_REPORT_TABLES, type YearReportTableName } from '../../reports/year-report-tables';
import { yearReportTable } from '../../reports/year-report-tables';
import { assertReportVisible, DashboardNotFound } from '../dashboard/access';
import { dashboardStrings } from '../dashboard/i18n';
import type { PageCtx } from '../dashboard/page-context';
import { messageCard, staffPage } from '../http/layout';
import { RECORD_FIGURES, type RecordFigure } from './links';
import { recordsBody, recordsTitle } from './records-view';
import { yearReportBody, yearReportTitle } from './year-report-view';

export interface YearReportPagesDeps {
  repos: Repositories;
  config: Config;
  /** Epoch ms. */
  now: () => number;
  /** Default: headless Chromium at config.pdf.chromiumPath. */
  printer?: PdfPrinter;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The period the query asks for; the calendar year by default; `error` names the bad field. */
function periodOf(req: Request, nowMs: number): { period: ReportPeriod; error?: 'from' | 'to' } {
  const from = typeof req.query.from === 'string' ? req.query.from : undefined;
  const to = typeof req.query.to === 'string' ? req.query.to : undefined;
  const fallback = calendarYearPeriod(beijingYearOf(nowMs));
  if (from === undefined && to === undefined) return { period: fallback };
  if (from === undefined || periodOfDays(from, from) === undefined) return { period: fallback, error: 'from' };
  const period = to === undefined ? undefined : periodOfDays(from, to);
  return period ? { period } : { period: fallback, error: 'to' };
}

export function yearReportPages(router: Router, deps: YearReportPagesDeps, ctxOf: (req: Request, res: Response) => PageCtx): void {
  const printer = deps.printer ?? createPdfPrinter({ executablePath: deps.config.pdf.chromiumPath });

  router.get('/reports/year', async (req, res) => {
    const ctx = ctxOf(req, res);
    assertReportVisible(ctx.viewer);
    const { period, error } = periodOf(req, deps.now());
    const y = catalogFor(ctx.locale).yearReport;
    const report = await deps.repos.cycleRecords.yearReport(period);
    const body = yearReportBody({ report, locale: ctx.locale, ...(error ? { periodError: y.form.badPeriod(y.form[error]) } : {}) });
    ctx.render(error ? 400 : 200, yearReportTitle(y, period, ctx.locale), body, 'home');
  });

  router.get('/reports/year/records/:figure', async (req, res) => {
    const ctx = ctxOf(req, res);
    assertReportVisible(ctx.viewer);
    const figure = String(req.params.figure) as RecordFigure;
    if (!(RECORD_FIGURES as readonly string[]).includes(figure)) throw new DashboardNotFound();
    const { period, error } = periodOf(req, deps.now());
    const month = typeof req.query.month === 'string' && MONTH.test(req.query.month) ? req.query.month : undefined;
    if (error || (req.query.month !== undefined && month === undefined)) throw new DashboardNotFound();
    const report = await deps.repos.cycleRecords.yearReport(period);
    ctx.render(200, recordsTitle(ctx.locale, figure, month), recordsBody(report, figure, ctx.locale, month), 'home');
  });

  router.get('/reports/year/csv/:table', async (req, res) => {
    const ctx = ctxOf(req, res);
    assertReportVisible(ctx.viewer);
    const table = String(req.params.table) as YearReportTableName;
    const { period, error } = periodOf(req, deps.now());
    if (error || !(YEAR_REPORT_TABLES as readonly string[]).includes(table)) throw new DashboardNotFound();
    const report = await deps.repos.cycleRecords.yearReport(period);
    res
      .status(200)
      .type('text/csv; charset=utf-8')
      .setHeader('Content-Disposition', `attachment; filename="year-report-${period.fromDay}-${period.toDay}-${table}.csv"`)
      .send(toCsv(yearReportTable(report, table, ctx.locale)));
  });

  router.get('/reports/year/pdf', async (req, res) => {
    const ctx = ctxOf(req, res);
    assertReportVisible(ctx.viewer);
    const { period, error } = periodOf(req, deps.now());
    if (error) throw new DashboardNotFound();
    const y = catalogFor(ctx.locale).yearReport;
    const report = await deps.repos.cycleRecords.yearReport(period);
    const title = yearReportTitle(y, period, ctx.locale);
    // The page as printed: the same body without the navigation, the form or the downloads.
    const page = staffPage({ locale: ctx.locale, s: dashboardStrings(ctx.locale), title, body: yearReportBody({ report, locale: ctx.locale, forPrint: true }), originalUrl: req.originalUrl });
    let pdf: Buffer;
    try {
      pdf = await printer.print(page);
    } catch (err) {
      if (!(err instanceof PdfPrinterUnavailable)) throw err;
      const words = y.pdfUnavailable;
      return ctx.render(503, words.title, messageCard(words.title, [words.body(err.executablePath)], undefined, 'error'));
    }
    res
      .status(200)
      .type('application/pdf')
      .setHeader('Content-Disposition', `attachment; filename="year-report-${period.fromDay}-${period.toDay}.pdf"`)
      .send(pdf);
  });
}
