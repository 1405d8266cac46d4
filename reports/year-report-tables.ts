/**
 * The year report's tables, for its CSV download and its page, in the locale's words. Aggregates
 * only: figures, activities, months and merchants; no family's or volunteer's name (those are on
 * the staff-only records pages, never in a file that leaves the product).
 */
import type { YearReport } from '../domain/year-report';
import type { Locale } from '../domain/vocabulary';
import { catalogFor } from '../i18n';
import type { YearReportProse } from '../i18n/catalog';
import { formatDateTime } from '../i18n/format';
import type { Cell, CsvTable } from '../lib/csv';

export const YEAR_REPORT_TABLES = ['summary', 'activities', 'months', 'merchants', 'outcomes'] as const;
export type YearReportTableName = (typeof YEAR_REPORT_TABLES)[number];

/** The summary's figures in the order of the page (chapter 7), each with its value. */
export type YearFigureKey = keyof YearReportProse['figures'];

/** Each headline figure of the report; `consultations` is null: the product keeps no record of them. */
export function yearFigures(r: YearReport): Record<YearFigureKey, number | null> {
  return {
    held: r.activities.held.count,
    averageParticipants: r.participants.average,
    participants: r.participants.total,
    familiesRewarded: r.families.rewarded.count,
    familiesAttended: r.families.attended.count,
    consultations: null,
    pointsAwarded: r.points.awarded.total,
    pointsRedeemed: r.points.redeemed.points,
    merchants: r.merchants.engaged.count,
    venues: r.venues.lent.count,
    venueHours: r.venues.hours,
    sponsorship: r.sponsorship.totalCny,
    volunteerPersonTimes: r.volunteers.personTimes.count,
    volunteerHours: r.volunteers.hours,
    professionalPersonTimes: r.professionalVolunteers.personTimes.count,
    professionalVolunteers: r.professionalVolunteers.distinct.count,
  };
}

function columns<K extends string>(headers: Record<K, string>): { key: K; header: string }[] {
  return (Object.keys(headers) as K[]).map((key) => ({ key, header: headers[key] }));
}

/** One table of the year report in `locale`'s words, for lib/csv.ts `toCsv`. */
export function yearReportTable(r: YearReport, name: YearReportTableName, locale: Locale = 'zh-CN'): CsvTable {
  const y = catalogFor(locale).yearReport;
  const h = y.csv.headers;
  const cycleName = new Map(r.cycles.rows.map((c) => [c.cycleId, c.name]));
  switch (name) {
    case 'summary': {
      const values = yearFigures(r);
      return {
        columns: columns(h.summary),
        rows: (Object.keys(values) as YearFigureKey[]).map((key) => ({
          figure: y.figures[key],
          key,
          value: key === 'consultations' ? y.notRecorded : (values[key] as Cell),
        })),
      };
    }
    case 'activities':
      return {
        columns: columns(h.activities),
        rows: r.activities.rows.map((a) => ({
          title: a.title,
          date: formatDateTime(a.startsAt, locale),
          cycle: cycleName.get(a.cycleId) ?? a.cycleId,
          participants: a.participants,
          volunteerPersonTimes: a.volunteerPersonTimes,
          volunteerHours: a.volunteerHours,
          venueHours: a.venueHours,
        })),
      };
    case 'months':
      return { columns: columns(h.months), rows: r.points.byMonth.map((m) => ({ month: y.month(m.month), awarded: m.awarded, redeemed: m.redeemed })) };
    case 'merchants':
      return {
        columns: columns(h.merchants),
        rows: r.merchants.engaged.ids.map((id) => {
          const lent = r.venues.lent.venues.filter((v) => v.merchantId === id);
          const sponsored = r.sponsorship.rows.filter((s) => s.merchantId === id);
          return {
            name: r.merchants.names[id] ?? id,
            venues: lent.map((v) => v.venueName).join('; '),
            venueHours: Math.round(lent.reduce((s, v) => s + v.hours, 0) * 100) / 100,
            sponsorshipCny: sponsored.reduce((s, x) => s + Math.round(x.amountCny * 100), 0) / 100,
          };
        }),
      };
    case 'outcomes': {
      // Aggregates only: a survey's response counts, an item's shares over its pairs (none below five pairs).
      const o = r.outcomes;
      return {
        columns: columns(h.outcomes),
        rows: [
          ...(o?.responseRates ?? []).map((rr) => ({ figure: y.charts.responseRates.title, item: rr.label[locale], invited: rr.invited, answered: rr.answered, pairs: null, shareBefore: null, shareAfter: null, meanChange: null, pValue: null })),
          ...(o?.items ?? []).map((it) => ({
            figure: y.charts.prePost.title,
            item: it.label[locale],
            invited: null,
            answered: null,
            pairs: it.pairs,
            shareBefore: it.before,
            shareAfter: it.after,
            meanChange: it.before === null ? null : (it.meanChange ?? null),
            pValue: it.before === null ? null : (it.pValue ?? null),
          })),
        ],
      };
    }
  }
}
