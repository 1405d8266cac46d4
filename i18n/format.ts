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
  /** 0 (Sunday) – 6 (Saturday). */
  weekday: number;
  /** 00–23. */
  hour: string;
  /** 00–59. */
  minute: string;
}

/**
 * How each locale writes a date and a time: the product's one form, `12月2日（周三）09:00` /
 * `Wed 2 Dec 09:00`. The year is written only when it is not the current year in Beijing
 * (`2027年1月5日（周二）09:00` / `Tue 5 Jan 2027 09:00`): people read "this year" without it,
 * and a date in another year must never be mistaken for one in this.
 */
interface Patterns {
  /** 12月2日（周三）, with the year before it when `withYear`. */
  date(p: DateParts, withYear: boolean): string;
  /** 09:00 */
  time(p: DateParts): string;
  /** The date, then the time. */
  dateTime(p: DateParts, withYear: boolean): string;
}

const hourMinute = (p: DateParts): string => `${p.hour}:${p.minute}`;

const ZH_WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'] as const;
const EN_WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

const zhDate = (p: DateParts, withYear: boolean): string => `${withYear ? `${p.year}年` : ''}${p.month}月${p.day}日（${ZH_WEEKDAYS[p.weekday]}）`;
const enDate = (p: DateParts, withYear: boolean): string => `${EN_WEEKDAYS[p.weekday]} ${p.day} ${p.monthName.slice(0, 3)}${withYear ? ` ${p.year}` : ''}`;

const PATTERNS: Record<Locale, Patterns> = {
  'zh-CN': {
    date: zhDate,
    time: hourMinute,
    // The full-width bracket closes the date: no space before the time.
    dateTime: (p, withYear) => `${zhDate(p, withYear)}${hourMinute(p)}`,
  },
  en: {
    date: enDate,
    time: hourMinute,
    dateTime: (p, withYear) => `${enDate(p, withYear)} ${hourMinute(p)}`,
  },
};

/** The BCP 47 tag each locale's numbers are written with. */
const INTL_TAG: Record<Locale, string> = { 'zh-CN': 'zh-CN', en: 'en-GB' };

const patternsOf = (locale: Locale): Patterns => PATTERNS[locale] ?? PATTERNS['zh-CN'];

interface DateFormatters {
  numeric: Intl.DateTimeFormat;
  monthName: Intl.DateTimeFormat;
  weekday: Intl.DateTimeFormat;
}

const dateFormatters = new Map<string, DateFormatters>();

function dateFormattersFor(timeZone: string): DateFormatters {
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
      weekday: new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short' }),
    };
    dateFormatters.set(timeZone, f);
  }
  return f;
}

/** The fields of the instant `ms` (epoch ms) in `timeZone` (a valid IANA zone). */
export function datePartsAt(ms: number, timeZone: string = TIME_ZONE): DateParts {
  const { numeric, monthName, weekday } = dateFormattersFor(timeZone);
  const d = new Date(ms);
  const all = numeric.formatToParts(d);
  const get = (type: Intl.DateTimeFormatPartTypes): string => all.find((p) => p.type === type)?.value ?? '';
  return {
    year: get('year'),
    month: String(Number(get('month'))),
    monthName: monthName.format(d),
    day: String(Number(get('day'))),
    weekday: EN_WEEKDAYS.indexOf(weekday.format(d) as (typeof EN_WEEKDAYS)[number]),
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

/** Whether `p` falls in another year than the instant `nowMs` in Beijing: then the year is written. */
function otherYear(p: DateParts, nowMs: number): boolean {
  return p.year !== datePartsAt(nowMs, TIME_ZONE).year;
}

/**
 * An instant as date and time, e.g. 12月2日（周三）09:00 (the year first when it is not this
 * year in Beijing, `nowMs`); the input as given when it does not parse.
 */
export function formatDateTime(iso: string, locale: Locale, timeZone: string = TIME_ZONE, nowMs: number = Date.now()): string {
  const p = dateParts(iso, timeZone);
  return p ? patternsOf(locale).dateTime(p, otherYear(p, nowMs)) : iso;
}

/**
 * The same one form, for lists of the days around now (the digest, a sign-in link's expiry): kept
 * as its own name so those callers say what they show.
 */
export function formatDayTime(iso: string, locale: Locale, timeZone: string = TIME_ZONE, nowMs: number = Date.now()): string {
  return formatDateTime(iso, locale, timeZone, nowMs);
}

/** A calendar day `YYYY-MM-DD` (not an instant: no zone conversion), e.g. 12月2日（周三）; the input when it is not one. */
export function formatCalendarDay(day: string, locale: Locale, nowMs: number = Date.now()): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const p = datePartsAt(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12), 'UTC');
  return patternsOf(locale).date(p, otherYear(p, nowMs));
}

/**
 * A start–end range, the date written once when both fall on the same day
 * (`<start>–<end time>`, else `<start> – <end>`); each end as given when it does not parse.
 */
export function formatDateRange(startIso: string, endIso: string, locale: Locale, nowMs: number = Date.now()): string {
  const a = dateParts(startIso);
  const b = dateParts(endIso);
  const pattern = patternsOf(locale);
  if (a && b && sameDay(a, b)) return `${pattern.dateTime(a, otherYear(a, nowMs))}–${pattern.time(b)}`;
  return `${formatDateTime(startIso, locale, TIME_ZONE, nowMs)} – ${formatDateTime(endIso, locale, TIME_ZONE, nowMs)}`;
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
