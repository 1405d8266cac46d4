/**
 * The records behind one figure of the year report (issue 12, item 6): the activities, families,
 * ledger entries, merchants, venues, sponsorships or volunteers it counts, by name, each linked to
 * its own page. Staff only (coordinators), like the report; never in the CSV or the PDF.
 */
import type { Locale } from '../../domain/schemas';
import type { YearReport } from '../../domain/year-report';
import { catalogFor } from '../../i18n';
import type { YearReportProse } from '../../i18n/catalog';
import { formatCny, formatDateTime, formatNumber } from '../../i18n/format';
import { html, type RawHtml } from '../http/html';
import { activityHref, cycleReportHref, directoryHref, yearReportHref, type RecordFigure } from './links';

/** Which headline figure a records page explains (its heading). */
const FIGURE_WORD: Record<RecordFigure, keyof YearReportProse['figures']> = {
  activities: 'held',
  'families-rewarded': 'familiesRewarded',
  'families-attended': 'familiesAttended',
  'points-awarded': 'pointsAwarded',
  'points-redeemed': 'pointsRedeemed',
  merchants: 'merchants',
  venues: 'venues',
  sponsorships: 'sponsorship',
  volunteers: 'volunteerPersonTimes',
  professionals: 'professionalPersonTimes',
};

type Row = readonly (RawHtml | string | number)[];

function table(y: YearReportProse, headers: readonly string[], rows: readonly Row[], numeric: readonly number[] = []): RawHtml {
  if (rows.length === 0) return html`<p class="muted">${y.records.none}</p>`;
  const cls = (i: number) => (numeric.includes(i) ? html` class="num"` : '');
  return html`<div class="scroll"><table class="report"><thead><tr>${headers.map((h, i) => html`<th${cls(i)}>${h}</th>`)}</tr></thead><tbody>${rows.map(
    (r) => html`<tr>${r.map((cell, i) => html`<td${cls(i)}>${typeof cell === 'number' ? String(cell) : cell}</td>`)}</tr>`,
  )}</tbody></table></div>`;
}

export function recordsTitle(locale: Locale, figure: RecordFigure, month?: string): string {
  const y = catalogFor(locale).yearReport;
  const word = y.figures[FIGURE_WORD[figure]];
  return y.records.heading(month ? `${word} · ${y.month(month)}` : word);
}

export function recordsBody(r: YearReport, figure: RecordFigure, locale: Locale, month?: string): RawHtml {
  const y = catalogFor(locale).yearReport;
  const c = y.records.columns;
  const when = (iso: string) => formatDateTime(iso, locale, undefined, 0);
  const activityTitle = new Map(r.activities.rows.map((a) => [a.activityId, a.title]));
  const activityLinks = (ids: readonly string[]) =>
    html`${ids.map((id, i) => html`${i ? '、' : ''}<a href="${activityHref(id)}">${activityTitle.get(id) ?? id}</a>`)}`;
  const cycleName = new Map(r.cycles.rows.map((x) => [x.cycleId, x.name]));
  const merchantName = (id: string) => r.merchants.names[id] ?? id;

  let body: RawHtml;
  switch (figure) {
    case 'activities':
      body = table(
        y,
        [c.activity, c.date, c.cycle, c.participants],
        r.activities.rows.map((a) => [html`<a href="${activityHref(a.activityId)}">${a.title}</a>`, when(a.startsAt), html`<a href="${cycleReportHref(a.cycleId)}">${cycleName.get(a.cycleId) ?? a.cycleId}</a>`, a.participants]),
        [3],
      );
      break;
    case 'families-rewarded':
    case 'families-attended': {
      const ids = new Set(figure === 'families-rewarded' ? r.families.rewarded.ids : r.families.attended.ids);
      body = table(
        y,
        [c.family, c.activity, c.points],
        r.families.rows.filter((f) => ids.has(f.familyId)).map((f) => [html`<a href="${directoryHref('families', f.familyId)}">${f.name}</a>`, activityLinks(f.activityIds), f.pointsAwarded]),
        [2],
      );
      break;
    }
    case 'points-awarded':
    case 'points-redeemed': {
      const monthRow = month ? r.points.byMonth.find((m) => m.month === month) : undefined;
      const wanted = new Set(
        figure === 'points-awarded' ? (monthRow ? monthRow.awardEntryIds : r.points.awarded.entryIds) : monthRow ? monthRow.redemptionEntryIds : r.points.redeemed.entryIds,
      );
      const kinds = y.records.kinds as Record<string, string>;
      body = table(
        y,
        [c.date, c.holder, c.kind, c.points, c.activity],
        r.points.entries
          .filter((e) => wanted.has(e.entryId))
          .map((e) => [
            when(e.createdAt),
            html`<a href="${directoryHref(e.holderKind === 'family' ? 'families' : 'volunteers', e.holderId)}">${e.holderName || e.holderId}</a>`,
            kinds[e.kind] ?? e.kind,
            e.amount,
            e.activityId ? activityLinks([e.activityId]) : '–',
          ]),
        [3],
      );
      break;
    }
    case 'merchants':
      body = table(
        y,
        [c.merchant, c.venue, c.hours, c.amount],
        r.merchants.engaged.ids.map((id) => {
          const lent = r.venues.lent.venues.filter((v) => v.merchantId === id);
          const fen = r.sponsorship.rows.filter((s) => s.merchantId === id).reduce((s, x) => s + Math.round(x.amountCny * 100), 0);
          return [html`<a href="${directoryHref('merchants', id)}">${merchantName(id)}</a>`, lent.map((v) => v.venueName).join('、') || '–', formatNumber(lent.reduce((s, v) => s + v.hours, 0), locale), formatCny(fen / 100, locale)];
        }),
        [2, 3],
      );
      break;
    case 'venues':
      body = table(
        y,
        [c.venue, c.merchant, c.hours, c.activity],
        r.venues.lent.venues.map((v) => [v.venueName, html`<a href="${directoryHref('merchants', v.merchantId)}">${merchantName(v.merchantId)}</a>`, v.hours, activityLinks(v.activityIds)]),
        [2],
      );
      break;
    case 'sponsorships':
      body = table(
        y,
        [c.merchant, c.amount, c.date, c.cycle],
        r.sponsorship.rows.map((s) => [merchantName(s.merchantId), formatCny(s.amountCny, locale), when(s.recordedAt), html`<a href="${cycleReportHref(s.cycleId)}">${cycleName.get(s.cycleId) ?? s.cycleId}</a>`]),
        [1],
      );
      break;
    case 'volunteers':
    case 'professionals':
      body = table(
        y,
        [c.volunteer, c.profession, c.personTimes, c.hours, c.activity],
        r.volunteers.rows
          .filter((v) => figure === 'volunteers' || v.profession !== null)
          .map((v) => [html`<a href="${directoryHref('volunteers', v.volunteerId)}">${v.name}</a>`, v.profession ?? '–', v.personTimes, v.hours, activityLinks(v.activityIds)]),
        [2, 3],
      );
      break;
  }
  return html`<div class="card"><h1>${recordsTitle(locale, figure, month)}</h1><p class="noprint"><a href="${yearReportHref(r.period)}">${y.records.back}</a></p>${body}</div>`;
}
