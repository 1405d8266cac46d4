/**
 * A calendar file (iCalendar, RFC 5545) for one activity a family registered for: one VEVENT in
 * Beijing time (TZID Asia/Shanghai, with its VTIMEZONE so a client without a zone database still
 * shows the right hour), its UID stable per (activity, family) so a resent confirmation updates
 * the same entry rather than adding a second one. Text values are escaped (backslash, semicolon,
 * comma, line breaks) and lines folded at 75 octets without splitting a UTF-8 character.
 */

export interface CalendarEvent {
  /** Stable per (activity, family): `<activityId>.<familyId>@<domain>`. */
  uid: string;
  /** ISO instants. */
  startsAt: string;
  endsAt: string;
  /** When this version of the entry was made (the registration's time): the same on a resend. */
  stampedAt: string;
  summary: string;
  location: string;
  description: string;
  /** A page about the event (the family's own link). */
  url?: string;
}

export const ICS_TZID = 'Asia/Shanghai';
/** China has kept UTC+8 all year since 1991. */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** TEXT value escaping (RFC 5545 3.3.11). */
export function escapeIcsText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** Folds one content line into lines of at most 75 octets (RFC 5545 3.1), each continuation starting with a space. */
export function foldIcsLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, 'utf8');
    // The first line holds 75 octets; a continuation's leading space counts, so 74 more.
    const limit = out.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

const pad = (n: number): string => String(n).padStart(2, '0');

function parts(d: Date): string {
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/** `YYYYMMDDTHHMMSS` in Beijing time (for `;TZID=Asia/Shanghai`). */
export function shanghaiLocal(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new RangeError(`not an instant: ${iso}`);
  return parts(new Date(ms + SHANGHAI_OFFSET_MS));
}

/** `YYYYMMDDTHHMMSSZ` (for DTSTAMP, which is UTC). */
function utc(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new RangeError(`not an instant: ${iso}`);
  return `${parts(new Date(ms))}Z`;
}

/** The calendar file's text, CRLF line ends. */
export function buildIcs(event: CalendarEvent): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Jinhua Community//Themed Activities//ZH',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VTIMEZONE',
    `TZID:${ICS_TZID}`,
    'BEGIN:STANDARD',
    'DTSTART:19700101T000000',
    'TZOFFSETFROM:+0800',
    'TZOFFSETTO:+0800',
    'TZNAME:CST',
    'END:STANDARD',
    'END:VTIMEZONE',
    'BEGIN:VEVENT',
    `UID:${escapeIcsText(event.uid)}`,
    `DTSTAMP:${utc(event.stampedAt)}`,
    `DTSTART;TZID=${ICS_TZID}:${shanghaiLocal(event.startsAt)}`,
    `DTEND;TZID=${ICS_TZID}:${shanghaiLocal(event.endsAt)}`,
    `SUMMARY:${escapeIcsText(event.summary)}`,
    `LOCATION:${escapeIcsText(event.location)}`,
    `DESCRIPTION:${escapeIcsText(event.description)}`,
    ...(event.url ? [`URL:${event.url}`] : []),
    'STATUS:CONFIRMED',
    'TRANSP:OPAQUE',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.map(foldIcsLine).join('\r\n')}\r\n`;
}
