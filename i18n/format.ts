/**
 * The one place dates, numbers and yuan are written for people: every page, email, digest and
 * CSV cell that shows an instant shows it in `TIME_ZONE` through its locale's pattern below, and
 * every count and amount goes through the locale's `Intl.NumberFormat`. Pure: no I/O.
 */
import type { Locale } from '../domain/vocabulary';

/** The zone every page and email shows times in (Beijing time); the digest may name another. */
export const TIME_ZONE = 'Asia/Shanghai';

/** An instant's calendar fields in one zone, for a locale's own pattern. */
export interface DateParts {
  year: string;
  /** 1–12, no leading zero. */
  month: string;
  /** The English month name, e.g. May. */
  monthName: string;
  /** 1–31, no leading zero. */
  day: string;
  /** 00–23. */
  hour: string;
  /** 00–59. */
  minute: string;
}

/** How each locale writes a date and a time; the only patterns the product uses. */
interface Patterns {
  /** 2026年5月1日 09:00 / 1 May 2026, 09:00 */
  dateTime(p: DateParts): string;
  /** 5月1日 09:00 / 1 May, 09:00: for lists within the days around now (the digest, a link's expiry). */
  dayTime(p: DateParts): string;
  /** 2026年5月1日 / 1 May 2026 */
  date(p: DateParts): string;
  /** 09:00 */
  time(p: DateParts): string;
}

const hourMinute = (p: DateParts): string => `${p.hour}:${p.minute}`;

const PATTERNS: Record<Locale, Patterns> = {
  'zh-CN': {
    dateTime: (p) => `${p.year}年${p.month}月${p.day}日 ${hourMinute(p)}`,
    dayTime: (p) => `${p.month}月${p.day}日 ${hourMinute(p)}`,
    date: (p) => `${p.year}年${p.month}月${p.day}日`,
    time: hourMinute,
  },
  en: {
    dateTime: (p) => `${p.day} ${p.monthName} ${p.year}, ${hourMinute(p)}`,
    dayTime: (p) => `${p.day} ${p.monthName}, ${hourMinute(p)}`,
    date: (p) => `${p.day} ${p.monthName} ${p.year}`,
    time: hourMinute,
  },
};

/** The BCP 47 tag each locale's numbers are written with. */
const INTL_TAG: Record<Locale, string> = { 'zh-CN': 'zh-CN', en: 'en-GB' };

const patternsOf = (locale: Locale): Patterns => PATTERNS[locale] ?? PATTERNS['zh-CN'];

const dateFormatters = new Map<string, { numeric: Intl.DateTimeFormat; monthName: Intl.DateTimeFormat }>();

function dateFormattersFor(timeZone: string): { numeric: Intl.DateTimeFormat; monthName: Intl.DateTimeFormat } {
  let f = dateFormatters.get(timeZone);
  if (!f) {
    f = {
      numeric: new Intl.DateTimeFormat('en-GB', {
        timeZone,
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }),
      monthName: new Intl.DateTimeFormat('en-GB', { timeZone, month: 'long' }),
    };
    dateFormatters.set(timeZone, f);
  }
  return f;
}

/** The fields of the instant `ms` (epoch ms) in `timeZone` (a valid IANA zone). */
export function datePartsAt(ms: number, timeZone: string = TIME_ZONE): DateParts {
  const { numeric, monthName } = dateFormattersFor(timeZone);
  const d = new Date(ms);
  const all = numeric.formatToParts(d);
  const get = (type: Intl.DateTimeFormatPartTypes): string => all.find((p) => p.type === type)?.value ?? '';
  return {
    year: get('year'),
    month: String(Number(get('month'))),
    monthName: monthName.format(d),
    day: String(Number(get('day'))),
    hour: get('hour'),
    minute: get('minute'),
  };
}

/** The fields of an ISO-8601 instant, or undefined when it does not parse. */
export function dateParts(iso: string, timeZone: string = TIME_ZONE): DateParts | undefined {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? datePartsAt(ms, timeZone) : undefined;
}

export function sameDay(a: DateParts, b: DateParts): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day;
}

/** `zone` when it is an IANA zone this runtime knows, else `TIME_ZONE` (a digest's configured zone). */
export function knownZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return TIME_ZONE;
  }
}

/** An instant as date and time, e.g. 2026年5月1日 09:00; the input as given when it does not parse. */
export function formatDateTime(iso: string, locale: Locale, timeZone: string = TIME_ZONE): string {
  const p = dateParts(iso, timeZone);
  return p ? patternsOf(locale).dateTime(p) : iso;
}

/** An instant as day and time without the year, e.g. 5月1日 09:00; the input when it does not parse. */
export function formatDayTime(iso: string, locale: Locale, timeZone: string = TIME_ZONE): string {
  const p = dateParts(iso, timeZone);
  return p ? patternsOf(locale).dayTime(p) : iso;
}

/** A calendar day `YYYY-MM-DD` (not an instant: no zone conversion); the input when it is not one. */
export function formatCalendarDay(day: string, locale: Locale): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  return patternsOf(locale).date(datePartsAt(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12), 'UTC'));
}

/**
 * A start–end range, the date written once when both fall on the same day
 * (`<start>–<end time>`, else `<start> – <end>`); each end as given when it does not parse.
 */
export function formatDateRange(startIso: string, endIso: string, locale: Locale): string {
  const a = dateParts(startIso);
  const b = dateParts(endIso);
  const pattern = patternsOf(locale);
  if (a && b && sameDay(a, b)) return `${pattern.dateTime(a)}–${pattern.time(b)}`;
  return `${formatDateTime(startIso, locale)} – ${formatDateTime(endIso, locale)}`;
}

const numberFormats = new Map<Locale, { plain: Intl.NumberFormat; cny: Intl.NumberFormat }>();

function numberFormatsFor(locale: Locale): { plain: Intl.NumberFormat; cny: Intl.NumberFormat } {
  let f = numberFormats.get(locale);
  if (!f) {
    const tag = INTL_TAG[locale] ?? INTL_TAG['zh-CN'];
    f = {
      plain: new Intl.NumberFormat(tag),
      cny: new Intl.NumberFormat(tag, { style: 'currency', currency: 'CNY', minimumFractionDigits: 0, maximumFractionDigits: 2 }),
    };
    numberFormats.set(locale, f);
  }
  return f;
}

/** A count or quantity with the locale's grouping, e.g. 1,200. */
export function formatNumber(n: number, locale: Locale): string {
  return numberFormatsFor(locale).plain.format(n);
}

/** An amount in yuan, e.g. ¥5,000.5 / CN¥5,000.5: at most two decimals, none when whole. */
export function formatCny(yuan: number, locale: Locale): string {
  return numberFormatsFor(locale).cny.format(yuan);
}
