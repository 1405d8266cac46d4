/**
 * The report's CSV: RFC 4180 quoting, CRLF line ends, a UTF-8 BOM for Excel, and text that would
 * run as a spreadsheet formula kept as text.
 */
import { parseCsv } from '../../lib/csv';
import { csvField, toCsv, UTF8_BOM, type CsvTable } from '../../lib/csv';
import { cycleReportTable, CYCLE_REPORT_TABLES } from '../../reports/cycle-report';
import { type CycleReport } from '../../domain/cycle-report';

describe('csvField', () => {
  test.each([
    ['plain text stays bare', '邻里节', '邻里节'],
    ['a comma is quoted', '东苑,西苑', '"东苑,西苑"'],
    ['a double quote is doubled inside quotes', '他说"好"', '"他说""好"""'],
    ['a line feed is quoted', '第一行\n第二行', '"第一行\n第二行"'],
    ['a carriage return is quoted', 'a\rb', '"a\rb"'],
    ['CRLF is quoted', 'a\r\nb', '"a\r\nb"'],
    ['leading and trailing spaces are quoted, so trimming readers keep them', ' 备注 ', '" 备注 "'],
    ['an empty string is an empty field', '', ''],
  ])('%s', (_name, value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  test('numbers, booleans and missing values', () => {
    expect(csvField(3200.5)).toBe('3200.5');
    expect(csvField(-8)).toBe('-8');
    expect(csvField(0)).toBe('0');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField(true)).toBe('true');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
  });

  test('text that Excel would run as a formula is kept as text with a leading apostrophe', () => {
    expect(csvField('=HYPERLINK("http://evil.example","点我")')).toBe('"\'=HYPERLINK(""http://evil.example"",""点我"")"');
    expect(csvField('+86 138')).toBe("'+86 138");
    expect(csvField('-5 分')).toBe("'-5 分");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
  });
});

describe('toCsv', () => {
  const table: CsvTable<'id' | 'name' | 'note' | 'amount'> = {
    columns: [
      { key: 'id', header: '编号' },
      { key: 'name', header: '商户, 名称' },
      { key: 'note', header: '备注' },
      { key: 'amount', header: '金额（元）' },
    ],
    rows: [
      { id: 'sp-1', name: '万达广场', note: '冠名"邻里节"\n含物料', amount: 3200.5 },
      { id: 'sp-2', name: '西西弗书店', amount: 1800 },
    ],
  };

  test('starts with a UTF-8 BOM, ends every record with CRLF, and quotes per RFC 4180', () => {
    const text = toCsv(table);
    expect(text.startsWith(UTF8_BOM)).toBe(true);
    expect(Buffer.from(text, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(text.slice(1)).toBe(
      '编号,"商户, 名称",备注,金额（元）\r\n' + 'sp-1,万达广场,"冠名""邻里节""\n含物料",3200.5\r\n' + 'sp-2,西西弗书店,,1800\r\n',
    );
    expect(toCsv(table, { bom: false }).startsWith('编号')).toBe(true);
  });

  test('an RFC 4180 reader gets every value back', () => {
    const records = parseCsv(toCsv(table)).map((r) => r.fields);
    expect(records).toEqual([
      ['编号', '商户, 名称', '备注', '金额（元）'],
      ['sp-1', '万达广场', '冠名"邻里节"\n含物料', '3200.5'],
      ['sp-2', '西西弗书店', '', '1800'],
    ]);
  });

  test('every table of a report has its header row, in Chinese or English', () => {
    const empty: CycleReport = {
      version: 1,
      cycleId: 'c1',
      name: '第一期',
      periodStart: '2025-01-01T00:00:00.000Z',
      periodEnd: '2025-03-31T00:00:00.000Z',
      compounds: ['c-east'],
      asOf: '2025-04-01T00:00:00.000Z',
      activities: { held: n(), cancelled: n(), rejected: n(), unfinished: n(), rows: [] },
      participants: { total: 0, average: null, perActivity: [] },
      families: { distinct: { count: 0, familyIds: [], activityIds: [] }, earnedPoints: { count: 0, familyIds: [], activityIds: [] }, rows: [] },
      points: {
        window: { from: '2025-01-01T00:00:00.000Z', to: '2025-04-01T00:00:00.000Z' },
        awarded: { total: 0, toFamilies: 0, toVolunteers: 0, activityIds: [], entryIds: [] },
        redeemed: { points: 0, familyIds: [], entryIds: [] },
        expired: { points: 0, familyIds: [], entryIds: [] },
        outstanding: { points: 0, familyIds: [] },
      },
      volunteers: { distinct: { count: 0, volunteerIds: [], activityIds: [] }, hours: { total: 0, perActivity: [] }, rows: [] },
      merchants: {
        engaged: { count: 0, merchantIds: [], lentVenue: [], sponsored: [], names: {} },
        venuesLent: { count: 0, venues: [] },
        venueHours: { total: 0, activityIds: [] },
      },
      sponsorship: { totalCny: 0, count: 0, sponsorshipIds: [], byMerchant: [], rows: [] },
      approvals: { decided: n(), medianTurnaroundMs: null, slowest: null, escalated: n() },
      feedback: { received: n(), missing: n(), averages: null },
      milestones: { onTime: m(), late: m(), missed: m(), pending: m(), rows: [] },
    };
    for (const name of CYCLE_REPORT_TABLES) {
      const zh = parseCsv(toCsv(cycleReportTable(empty, name)));
      const en = parseCsv(toCsv(cycleReportTable(empty, name, 'en')));
      expect(zh[0]?.fields.length).toBeGreaterThan(1);
      expect(en[0]?.fields).toHaveLength(zh[0]!.fields.length);
    }
    expect(parseCsv(toCsv(cycleReportTable(empty, 'activities')))[0]?.fields[0]).toBe('活动编号');
    expect(parseCsv(toCsv(cycleReportTable(empty, 'activities', 'en')))[0]?.fields[0]).toBe('Activity id');
  });
});

function n() {
  return { count: 0, activityIds: [] };
}
function m() {
  return { count: 0, milestoneIds: [] };
}
