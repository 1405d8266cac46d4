/**
 * The one module that writes dates, numbers and yuan: Beijing time whatever the server's zone,
 * one pattern per locale, and the input shown as given rather than "Invalid Date".
 */
import {
  TIME_ZONE,
  formatCalendarDay,
  formatCny,
  formatDateRange,
  formatDateTime,
  formatDayTime,
  formatNumber,
  knownZone,
} from '../../i18n/format';

/** "Now" in the tests below: 2026 in Beijing, so a 2026 date is written without its year. */
const IN_2026 = Date.parse('2026-12-02T01:00:00Z');
const IN_2027 = Date.parse('2027-01-05T01:00:00Z');

describe('dates', () => {
  test('an instant is written in Beijing time, in each locale’s one form: day, weekday, 24-hour time', () => {
    expect(TIME_ZONE).toBe('Asia/Shanghai');
    expect(formatDateTime('2026-12-02T01:00:00Z', 'zh-CN', TIME_ZONE, IN_2026)).toBe('12月2日（周三）09:00');
    expect(formatDateTime('2026-12-02T01:00:00Z', 'en', TIME_ZONE, IN_2026)).toBe('Wed 2 Dec 09:00');
    expect(formatDateTime('2026-05-01T13:05:00Z', 'zh-CN', TIME_ZONE, IN_2026)).toBe('5月1日（周五）21:05');
    expect(formatDateTime('2026-09-06T01:00:00Z', 'en', TIME_ZONE, IN_2026)).toBe('Sun 6 Sep 09:00');
  });

  test('the year is written only when it is not the current year in Beijing', () => {
    expect(formatDateTime('2026-12-02T01:00:00Z', 'zh-CN', TIME_ZONE, IN_2027)).toBe('2026年12月2日（周三）09:00');
    expect(formatDateTime('2026-12-02T01:00:00Z', 'en', TIME_ZONE, IN_2027)).toBe('Wed 2 Dec 2026 09:00');
    // 31 December 17:00 UTC is already 1 January in Beijing: the Beijing year counts, for the date and for now.
    const newYearsEveUtc = Date.parse('2026-12-31T17:00:00Z');
    expect(formatDateTime('2027-01-01T01:00:00Z', 'zh-CN', TIME_ZONE, newYearsEveUtc)).toBe('1月1日（周五）09:00');
    expect(formatDateTime('2026-12-31T01:00:00Z', 'zh-CN', TIME_ZONE, newYearsEveUtc)).toBe('2026年12月31日（周四）09:00');
  });

  test('without a given now, the clock decides whether the year is written', () => {
    const now = new Date();
    const thisYear = now.toISOString();
    expect(formatDateTime(thisYear, 'zh-CN')).toBe(formatDateTime(thisYear, 'zh-CN', TIME_ZONE, now.getTime()));
    expect(formatDateTime('2001-05-01T01:00:00Z', 'zh-CN')).toBe('2001年5月1日（周二）09:00');
  });

  test('an evening in UTC is the next morning’s date in Beijing', () => {
    expect(formatDateTime('2026-04-30T16:30:00Z', 'zh-CN', TIME_ZONE, IN_2026)).toBe('5月1日（周五）00:30');
    expect(formatDateTime('2026-04-30T16:30:00Z', 'en', TIME_ZONE, IN_2026)).toBe('Fri 1 May 00:30');
  });

  test('a range on one day writes the date once; across days it writes both', () => {
    expect(formatDateRange('2026-05-01T01:00:00Z', '2026-05-01T03:30:00Z', 'zh-CN', IN_2026)).toBe('5月1日（周五）09:00–11:30');
    expect(formatDateRange('2026-05-01T01:00:00Z', '2026-05-01T03:30:00Z', 'en', IN_2026)).toBe('Fri 1 May 09:00–11:30');
    expect(formatDateRange('2026-05-01T01:00:00Z', '2026-05-02T03:30:00Z', 'en', IN_2026)).toBe('Fri 1 May 09:00 – Sat 2 May 11:30');
    expect(formatDateRange('2026-05-01T01:00:00Z', '2026-05-01T03:30:00Z', 'zh-CN', IN_2027)).toBe('2026年5月1日（周五）09:00–11:30');
  });

  test('the day-and-time form is the same one form', () => {
    expect(formatDayTime('2026-05-01T10:00:00Z', 'zh-CN', TIME_ZONE, IN_2026)).toBe('5月1日（周五）18:00');
    expect(formatDayTime('2026-05-01T10:00:00Z', 'en', TIME_ZONE, IN_2026)).toBe('Fri 1 May 18:00');
  });

  test('a calendar day is not shifted by any zone', () => {
    expect(formatCalendarDay('2026-05-01', 'zh-CN', IN_2026)).toBe('5月1日（周五）');
    expect(formatCalendarDay('2026-05-01', 'en', IN_2026)).toBe('Fri 1 May');
    expect(formatCalendarDay('2026-05-01', 'zh-CN', IN_2027)).toBe('2026年5月1日（周五）');
    expect(formatCalendarDay('May Day', 'en')).toBe('May Day');
  });

  test('another zone may be named (the digest’s), and an unknown one falls back to Beijing time', () => {
    expect(formatDateTime('2026-05-01T01:00:00Z', 'en', 'Europe/London', IN_2026)).toBe('Fri 1 May 02:00');
    expect(formatDateTime('2026-04-30T20:00:00Z', 'en', 'Europe/London', IN_2026)).toBe('Thu 30 Apr 21:00');
    expect(knownZone('Europe/London')).toBe('Europe/London');
    expect(knownZone('Nowhere/Atlantis')).toBe(TIME_ZONE);
  });

  test('what does not parse is shown as given, not as Invalid Date', () => {
    expect(formatDateTime('soon', 'zh-CN')).toBe('soon');
    expect(formatDayTime('soon', 'en')).toBe('soon');
    expect(formatDateRange('soon', '2026-05-01T03:30:00Z', 'en', IN_2026)).toBe('soon – Fri 1 May 11:30');
  });
});

describe('numbers and yuan', () => {
  test('counts are grouped by thousands', () => {
    expect(formatNumber(1200, 'zh-CN')).toBe('1,200');
    expect(formatNumber(1200, 'en')).toBe('1,200');
  });

  test('an amount in yuan keeps at most two decimals and none when whole', () => {
    expect(formatCny(5000.5, 'zh-CN')).toBe('¥5,000.5');
    expect(formatCny(300, 'zh-CN')).toBe('¥300');
    expect(formatCny(12.345, 'zh-CN')).toBe('¥12.35');
    expect(formatCny(5000.5, 'en')).toBe('CN¥5,000.5');
  });
});
