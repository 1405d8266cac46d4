/** Where the year report and the records behind its figures live (the dashboard's home links here). */
import type { Locale } from '../../domain/schemas';
import type { ReportPeriod } from '../../domain/year-report';
import { catalogFor } from '../../i18n';
import { html, type RawHtml } from '../http/html';

export const YEAR_REPORT_PATH = '/dashboard/reports/year';

/** The records behind a figure of the year report (api/reports/records-view.ts lists them). */
export const RECORD_FIGURES = [
  'activities',
  'families-rewarded',
  'families-attended',
  'points-awarded',
  'points-redeemed',
  'merchants',
  'venues',
  'sponsorships',
  'volunteers',
  'professionals',
] as const;
export type RecordFigure = (typeof RECORD_FIGURES)[number];

const query = (period: ReportPeriod, extra: Record<string, string> = {}) =>
  new URLSearchParams({ from: period.fromDay, to: period.toDay, ...extra }).toString();

export function yearReportHref(period: ReportPeriod): string {
  return `${YEAR_REPORT_PATH}?${query(period)}`;
}

export function recordsHref(period: ReportPeriod, figure: RecordFigure, month?: string): string {
  return `${YEAR_REPORT_PATH}/records/${figure}?${query(period, month ? { month } : {})}`;
}

export function yearReportDownloadHref(period: ReportPeriod, what: 'pdf' | `csv/${string}`, locale: Locale): string {
  return `${YEAR_REPORT_PATH}/${what}?${query(period, { lang: locale })}`;
}

export const activityHref = (activityId: string) => `/dashboard/activities/${encodeURIComponent(activityId)}`;
export const cycleReportHref = (cycleId: string) => `/dashboard/cycles/${encodeURIComponent(cycleId)}/report`;
export const directoryHref = (entity: 'families' | 'volunteers' | 'merchants', id: string) => `/dashboard/directory/${entity}/${encodeURIComponent(id)}/edit`;

/** The dashboard home's link to the year report (coordinators: the report's readers). */
export function yearReportLink(locale: Locale): RawHtml {
  return html`<p class="noprint"><a class="button" href="${YEAR_REPORT_PATH}">${catalogFor(locale).yearReport.link}</a></p>`;
}
