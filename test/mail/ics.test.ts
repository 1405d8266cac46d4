import { buildIcs, escapeIcsText, foldIcsLine } from '../../mail/ics';
import { icsEvent, shanghaiToIso, unescapeIcsText, unfoldIcs } from '../support/ics-parse';

const event = {
  uid: 'act-1.fam-1@jinhua.example',
  startsAt: '2026-05-01T01:00:00.000Z', // 09:00 in Beijing
  endsAt: '2026-05-01T03:30:00.000Z',
  stampedAt: '2026-04-20T10:00:00.000Z',
  summary: '邻里节; 亲子运动会, 第一场 \\ 欢迎',
  location: '东苑活动室, 3楼',
  description: '第一行：带水\n第二行; 穿运动鞋, 别迟到'.repeat(4),
  url: 'https://jinhua.example/s/abc.def',
};

describe('the calendar file', () => {
  const ics = buildIcs(event);

  test('parses back: one VEVENT in Asia/Shanghai with the VTIMEZONE, the start and end at Beijing hours', () => {
    const lines = unfoldIcs(ics);
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines.at(-1)).toBe('END:VCALENDAR');
    expect(lines).toEqual(expect.arrayContaining(['BEGIN:VTIMEZONE', 'TZID:Asia/Shanghai', 'TZOFFSETTO:+0800', 'VERSION:2.0']));
    const e = icsEvent(ics);
    expect(e.DTSTART).toEqual({ name: 'DTSTART', params: { TZID: 'Asia/Shanghai' }, value: '20260501T090000' });
    expect(e.DTEND?.value).toBe('20260501T113000');
    expect(shanghaiToIso(e.DTSTART!.value)).toBe(event.startsAt);
    expect(shanghaiToIso(e.DTEND!.value)).toBe(event.endsAt);
    expect(e.DTSTAMP?.value).toBe('20260420T100000Z');
    expect(e.UID?.value).toBe(event.uid);
    expect(e.URL?.value).toBe(event.url);
  });

  test('text values survive escaping: semicolons, commas, backslashes and line breaks', () => {
    const e = icsEvent(ics);
    expect(unescapeIcsText(e.SUMMARY!.value)).toBe(event.summary);
    expect(unescapeIcsText(e.LOCATION!.value)).toBe(event.location);
    expect(unescapeIcsText(e.DESCRIPTION!.value)).toBe(event.description);
    expect(escapeIcsText('a;b,c\\d\r\ne')).toBe('a\\;b\\,c\\\\d\\ne');
    // No raw line break inside a value: every physical line is a property or a continuation.
    for (const line of ics.split('\r\n').filter(Boolean)) expect(line).toMatch(/^([A-Z-]+[;:]| )/);
  });

  test('lines are folded at 75 octets with CRLF and a space, never inside a UTF-8 character', () => {
    const physical = ics.split('\r\n');
    expect(physical.some((l) => l.startsWith(' '))).toBe(true);
    for (const l of physical) expect(Buffer.byteLength(l, 'utf8')).toBeLessThanOrEqual(75);
    // Every physical line is valid UTF-8 on its own (a split character would become U+FFFD).
    for (const l of physical) expect(Buffer.from(Buffer.from(l, 'utf8').toString('utf8'), 'utf8').toString('utf8')).not.toContain('\uFFFD');
    const long = `DESCRIPTION:${'汉'.repeat(60)}`;
    const folded = foldIcsLine(long);
    expect(folded.replace(/\r\n /g, '')).toBe(long);
    for (const l of folded.split('\r\n')) expect(Buffer.byteLength(l, 'utf8')).toBeLessThanOrEqual(75);
    expect(foldIcsLine('SHORT:x')).toBe('SHORT:x');
    expect(ics.endsWith('\r\n')).toBe(true);
  });

  test('the same event gives the same file (a resend updates the same calendar entry)', () => {
    expect(buildIcs(event)).toBe(ics);
    expect(icsEvent(buildIcs({ ...event, summary: 'changed' })).UID?.value).toBe(event.uid);
  });
});
