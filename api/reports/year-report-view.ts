/**
 * The year report page's body: the period form, the downloads, then the source report's chapter 7
 * in its order (neighbours and activities, families and points, business resources and volunteers,
 * outcomes), each figure a link to the records behind it, with its charts; then the cycles of the
 * period, each linked to its own report. The same body is printed to PDF.
 */
import type { Locale } from '../../domain/schemas';
import type { ReportPeriod, YearOutcomeSection, YearReport } from '../../domain/year-report';
import { catalogFor } from '../../i18n';
import type { YearReportProse } from '../../i18n/catalog';
import { formatCalendarDay, formatCny, formatDateTime, formatNumber } from '../../i18n/format';
import { YEAR_REPORT_TABLES, yearFigures, type YearFigureKey } from '../../reports/year-report-tables';
import { percent, pText, signed } from '../../reports/outcomes-table';
import { html, raw, type RawHtml } from '../http/html';
import { CHART_CSS, barChart, groupedBarChart, responseRateChart } from '../http/svg-chart';
import { activityHref, cycleReportHref, recordsHref, yearReportDownloadHref, yearReportHref, type RecordFigure } from './links';

/** Which records each headline figure opens. */
const FIGURE_RECORDS: Record<YearFigureKey, RecordFigure | null> = {
  held: 'activities',
  averageParticipants: 'activities',
  participants: 'activities',
  familiesRewarded: 'families-rewarded',
  familiesAttended: 'families-attended',
  consultations: null,
  pointsAwarded: 'points-awarded',
  pointsRedeemed: 'points-redeemed',
  merchants: 'merchants',
  venues: 'venues',
  venueHours: 'venues',
  sponsorship: 'sponsorships',
  volunteerPersonTimes: 'volunteers',
  volunteerHours: 'volunteers',
  professionalPersonTimes: 'professionals',
  professionalVolunteers: 'professionals',
};

const SECTIONS: readonly { key: keyof YearReportProse['sections']; figures: readonly YearFigureKey[] }[] = [
  { key: 'activities', figures: ['held', 'averageParticipants', 'participants'] },
  { key: 'families', figures: ['familiesRewarded', 'familiesAttended', 'consultations', 'pointsAwarded', 'pointsRedeemed'] },
  { key: 'resources', figures: ['merchants', 'venues', 'venueHours', 'sponsorship', 'volunteerPersonTimes', 'volunteerHours', 'professionalPersonTimes', 'professionalVolunteers'] },
];

/** The report's title: "2025 年度报告" for a calendar year, else its first and last day. */
export function yearReportTitle(y: YearReportProse, period: ReportPeriod, locale: Locale): string {
  const year = period.fromDay.slice(0, 4);
  if (period.fromDay === `${year}-01-01` && period.toDay === `${year}-12-31`) return y.headingYear(Number(year));
  // The year is always written: a report is read long after its period.
  return y.headingPeriod(formatCalendarDay(period.fromDay, locale, 0), formatCalendarDay(period.toDay, locale, 0));
}

function figureValue(key: YearFigureKey, value: number | null, y: YearReportProse, locale: Locale): string {
  if (key === 'consultations') return y.notRecorded;
  if (value === null) return '–';
  return key === 'sponsorship' ? formatCny(value, locale) : formatNumber(value, locale);
}

/** The participants-per-activity chart: one bar per held activity, linking to its page. */
export function participantsChart(id: string, y: YearReportProse, rows: readonly { activityId: string; title: string; participants: number }[]): RawHtml {
  return barChart({
    id,
    title: y.charts.participants.title,
    desc: y.charts.participants.desc(rows.length),
    bars: rows.map((r) => ({ label: r.title, value: r.participants, href: activityHref(r.activityId) })),
  });
}

/** Points awarded and redeemed per month: two bars a month, each linking to that month's ledger entries. */
export function pointsChart(id: string, y: YearReportProse, months: readonly { month: string; awarded: number; redeemed: number; hrefs: [string, string] }[]): RawHtml {
  return groupedBarChart({
    id,
    title: y.charts.points.title,
    desc: y.charts.points.desc,
    series: [y.charts.points.awarded, y.charts.points.redeemed],
    labelWidth: 76,
    groups: months.map((m) => ({ label: y.month(m.month), values: [m.awarded, m.redeemed], hrefs: m.hrefs })),
  });
}

/** The outcome section's charts (reports/outcomes.ts fills `YearOutcomeSection`); a sentence when there is nothing yet. */
export function outcomeCharts(y: YearReportProse, outcomes: YearOutcomeSection | null, idPrefix: string, locale: Locale, withTable = true): RawHtml {
  if (!outcomes || (outcomes.items.length === 0 && outcomes.responseRates.length === 0)) return html`<p class="muted">${y.noOutcomes}</p>`;
  const pct = (share: number | null) => (share === null ? null : Math.round(share * 1000) / 10);
  return html`${
    outcomes.items.length
      ? groupedBarChart({
          id: `${idPrefix}-prepost`,
          title: y.charts.prePost.title,
          desc: y.charts.prePost.desc,
          series: [y.charts.prePost.before, y.charts.prePost.after],
          max: 100,
          emptyText: y.charts.prePost.tooFew,
          groups: outcomes.items.map((item) => ({
            label: item.label[locale],
            values: [pct(item.before), pct(item.after)],
            valueTexts: [item.before === null ? undefined : `${pct(item.before)}%`, item.after === null ? undefined : `${pct(item.after)}%`],
            hrefs: [item.href, item.href],
          })),
        })
      : ''
  }${
    outcomes.responseRates.length
      ? responseRateChart({ id: `${idPrefix}-rates`, title: y.charts.responseRates.title, desc: y.charts.responseRates.desc, rows: outcomes.responseRates.map((r) => ({ ...r, label: r.label[locale] })) })
      : ''
  }${withTable ? outcomeTable(outcomes, locale) : ''}`;
}

/** The pre/post figures the bars show, with what the bars cannot: the mean change, the pairs and the paired test's p-value. */
function outcomeTable(outcomes: YearOutcomeSection, locale: Locale): RawHtml | '' {
  if (!outcomes.items.length) return '';
  const e = catalogFor(locale).evaluation;
  const c = e.prePostColumns;
  const change = (item: YearOutcomeSection['items'][number]) =>
    item.meanChange == null ? '' : item.kind === 'yesNo' ? e.points(signed(Math.round(item.meanChange * 100), locale)) : signed(item.meanChange, locale);
  return html`<div class="scroll"><table class="report pre-post"><thead><tr><th>${c.share}</th><th class="num">${c.pairs}</th><th class="num">${c.meanChange}</th><th class="num">${c.pValue}</th></tr></thead><tbody>${outcomes.items.map((item) =>
    item.before === null || item.after === null
      ? html`<tr><td><a href="${item.href ?? '#'}">${item.label[locale]}</a></td><td class="num">${formatNumber(item.pairs, locale)}</td><td class="muted" colspan="2">${e.tooFewPairs}</td></tr>`
      : html`<tr><td class="share"><a href="${item.href ?? '#'}">${e.shareChange(item.label[locale], percent(item.before, locale), percent(item.after, locale))}</a></td><td class="num">${formatNumber(item.pairs, locale)}</td><td class="num">${change(item)}</td><td class="num">${pText(item.pValue ?? null)}</td></tr>`,
  )}</tbody></table></div>`;
}

/** The page's own print rules: the charts and figures fill the printed page; links print as text. */
export const YEAR_REPORT_STYLE = raw(`${CHART_CSS.html}
.figs a.fig{display:block;color:inherit;text-decoration:none}
.figs a.fig:hover .v,.figs a.fig:focus .v{text-decoration:underline}
form.period{display:flex;flex-wrap:wrap;gap:8px 12px;align-items:flex-end}
form.period label{display:flex;flex-direction:column;font-size:14px}
form.period input{font:inherit;padding:4px 6px}
ul.cycles{padding-left:20px}
@media print{.downloads,form.period{display:none!important}#section-activities,#section-families,#section-resources,#cycle-charts{break-inside:auto;page-break-inside:auto}}
`);

export interface YearReportView {
  report: YearReport;
  locale: Locale;
  /** Field errors of the period form (the page then shows the default period). */
  periodError?: string;
  /** Printed to PDF: no form, no downloads. */
  forPrint?: boolean;
}

export function yearReportBody(v: YearReportView): RawHtml {
  const { report: r, locale } = v;
  const y = catalogFor(locale).yearReport;
  const period = r.period;
  const values = yearFigures(r);
  const fig = (key: YearFigureKey) => {
    const figure = FIGURE_RECORDS[key];
    const inner = html`<div class="v">${figureValue(key, values[key], y, locale)}</div><div class="k">${y.figures[key]}</div>`;
    return figure ? html`<a class="fig" href="${recordsHref(period, figure)}">${inner}</a>` : html`<div class="fig">${inner}</div>`;
  };
  const now = Date.now();
  const thisYear = Number(new Date(now + 8 * 3_600_000).toISOString().slice(0, 4));
  const form = v.forPrint
    ? ''
    : html`<form class="period noprint" method="get" action="/dashboard/reports/year"><fieldset style="border:0;padding:0;margin:0"><legend>${y.form.legend}</legend><label>${y.form.from}<input type="date" name="from" value="${period.fromDay}" required></label> <label>${y.form.to}<input type="date" name="to" value="${period.toDay}" required></label> <button type="submit">${y.form.show}</button></fieldset></form>${
        v.periodError ? html`<p class="error" id="period-error">${v.periodError}</p>` : ''
      }<p class="noprint"><a href="${yearReportHref({ from: '', to: '', fromDay: `${thisYear}-01-01`, toDay: `${thisYear}-12-31` })}">${y.form.thisYear}</a> · <a href="${yearReportHref({ from: '', to: '', fromDay: `${thisYear - 1}-01-01`, toDay: `${thisYear - 1}-12-31` })}">${y.form.lastYear}</a></p><p class="downloads noprint"><a class="button" href="${yearReportDownloadHref(period, 'pdf', locale)}" download>${y.downloads.pdf}</a> ${YEAR_REPORT_TABLES.map(
        (t) => html`<a class="csv" href="${yearReportDownloadHref(period, `csv/${t}`, locale)}" download>${y.downloads.csv} · ${y.csv.tables[t]}</a> `,
      )}</p><p class="muted noprint">${y.printHint}</p>`;
  const months = r.points.byMonth.map((m) => ({
    month: m.month,
    awarded: m.awarded,
    redeemed: m.redeemed,
    hrefs: [recordsHref(period, 'points-awarded', m.month), recordsHref(period, 'points-redeemed', m.month)] as [string, string],
  }));
  const charts: Partial<Record<keyof YearReportProse['sections'], RawHtml>> = {
    activities: participantsChart('chart-participants', y, r.activities.rows),
    families: pointsChart('chart-points', y, months),
  };
  const sections = SECTIONS.map(
    (s) => html`<div class="card" id="section-${s.key}"><h2>${y.sections[s.key]}</h2><div class="figs">${s.figures.map(fig)}</div>${charts[s.key] ?? ''}</div>`,
  );
  const cycles = r.cycles.rows.length
    ? html`<ul class="cycles">${r.cycles.rows.map(
        (c) =>
          html`<li>${c.periodStart ? html`<a href="${cycleReportHref(c.cycleId)}">${c.name}</a>` : c.name}${
            c.periodStart && c.periodEnd ? html` <span class="muted">${formatDateTime(c.periodStart, locale, undefined, 0)} – ${formatDateTime(c.periodEnd, locale, undefined, 0)}</span>` : ''
          }</li>`,
      )}</ul>`
    : html`<p class="muted">${y.cyclesNone}</p>`;
  return html`<style>${YEAR_REPORT_STYLE}</style><div class="card"><h1>${yearReportTitle(y, period, locale)}</h1>${form}<p class="notice">${y.computedAt(
    formatDateTime(r.asOf, locale, undefined, 0),
  )}</p></div>${sections}<div class="card" id="section-outcomes"><h2>${y.sections.outcomes}</h2>${outcomeCharts(y, r.outcomes, 'chart-outcomes', locale)}</div><div class="card" id="section-cycles"><h2>${y.sections.cycles}</h2>${cycles}</div>`;
}
