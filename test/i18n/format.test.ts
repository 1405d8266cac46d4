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

describe('dates', () => {
  test('an instant is written in Beijing time, in each locale’s one pattern', () => {
    expect(TIME_ZONE).toBe('Asia/Shanghai');
    expect(formatDateTime('2026-05-01T01:00:00Z', 'zh-CN')).toBe('2026年5月1日 09:00');
    expect(formatDateTime('2026-05-01T01:00:00Z', 'en')).toBe('1 May 2026, 09:00');
  });

  test('an evening in UTC is the next morning’s date in Beijing', () => {
    expect(formatDateTime('2026-04-30T16:30:00Z', 'zh-CN')).toBe('2026年5月1日 00:30');
    expect(formatDateTime('2026-04-30T16:30:00Z', 'en')).toBe('1 May 2026, 00:30');
  });

  test('a range on one day writes the date once; across days it writes both', () => {
    expect(formatDateRange('2026-05-01T01:00:00Z', '2026-05-01T03:30:00Z', 'zh-CN')).toBe('2026年5月1日 09:00–11:30');
    expect(formatDateRange('2026-05-01T01:00:00Z', '2026-05-01T03:30:00Z', 'en')).toBe('1 May 2026, 09:00–11:30');
    expect(formatDateRange('2026-05-01T01:00:00Z', '2026-05-02T03:30:00Z', 'en')).toBe('1 May 2026, 09:00 – 2 May 2026, 11:30');
  });

  test('the day-and-time form leaves out the year', () => {
    expect(formatDayTime('2026-05-01T10:00:00Z', 'zh-CN')).toBe('5月1日 18:00');
    expect(formatDayTime('2026-05-01T10:00:00Z', 'en')).toBe('1 May, 18:00');
  });

  test('a calendar day is not shifted by any zone', () => {
    expect(formatCalendarDay('2026-05-01', 'zh-CN')).toBe('2026年5月1日');
    expect(formatCalendarDay('2026-05-01', 'en')).toBe('1 May 2026');
    expect(formatCalendarDay('May Day', 'en')).toBe('May Day');
  });

  test('another zone may be named (the digest’s), and an unknown one falls back to Beijing time', () => {
    expect(formatDateTime('2026-05-01T01:00:00Z', 'en', 'Europe/London')).toBe('1 May 2026, 02:00');
    expect(knownZone('Europe/London')).toBe('Europe/London');
    expect(knownZone('Nowhere/Atlantis')).toBe(TIME_ZONE);
  });

  test('what does not parse is shown as given, not as Invalid Date', () => {
    expect(formatDateTime('soon', 'zh-CN')).toBe('soon');
    expect(formatDayTime('soon', 'en')).toBe('soon');
    expect(formatDateRange('soon', '2026-05-01T03:30:00Z', 'en')).toBe('soon – 1 May 2026, 11:30');
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
