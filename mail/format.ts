/**
 * Formatting shared by the emails and the server-rendered pages: instants shown in Beijing time
 * (or a given zone) through locale-written patterns, HTML escaping, and the small helpers of the
 * inline-styled email HTML. Pure: no I/O.
 */

/** The zone every email and page shows times in (Beijing time). */
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

const formatters = new Map<string, { numeric: Intl.DateTimeFormat; monthName: Intl.DateTimeFormat }>();

function formattersFor(timeZone: string): { numeric: Intl.DateTimeFormat; monthName: Intl.DateTimeFormat } {
  let f = formatters.get(timeZone);
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
    formatters.set(timeZone, f);
  }
  return f;
}

/** The fields of the instant `ms` (epoch ms) in `timeZone` (a valid IANA zone). */
export function datePartsAt(ms: number, timeZone: string = TIME_ZONE): DateParts {
  const { numeric, monthName } = formattersFor(timeZone);
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

/** An instant through the locale's pattern; the input as given when it does not parse. */
export function formatInstant(iso: string, dateTime: (p: DateParts) => string, timeZone: string = TIME_ZONE): string {
  const p = dateParts(iso, timeZone);
  return p ? dateTime(p) : iso;
}

/**
 * A start–end range, the date written once when both fall on the same day
 * (`<start>–<end time>`, else `<start> – <end>`); undefined when either end does not parse,
 * so the caller says what to show instead.
 */
export function formatRange(startIso: string, endIso: string, dateTime: (p: DateParts) => string, time: (p: DateParts) => string): string | undefined {
  const a = dateParts(startIso);
  const b = dateParts(endIso);
  if (!a || !b) return undefined;
  return sameDay(a, b) ? `${dateTime(a)}–${time(b)}` : `${dateTime(a)} – ${dateTime(b)}`;
}

export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Only http(s) URLs become links; anything else is shown as text. */
export function safeHref(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Whitespace runs (line breaks too) as one space, trimmed. */
export function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** The emails' accent colour and font stack. */
export const ACCENT = '#b03a2e';
export const FONT = "-apple-system,BlinkMacSystemFont,'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC',Helvetica,Arial,sans-serif";
