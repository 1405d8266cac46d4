/**
 * The cycle report counts the points staff awarded outside activities (family learning,
 * volunteering) to the families of its compounds within its period, on SQLite and PostgreSQL;
 * the existing figures are unchanged by them, and reports closed before they were counted read
 * as "no figure".
 */
import { Cycles } from '../../db/services/cycles';
import { Ledger } from '../../db/services/ledger';
import type { CycleReport } from '../../domain/cycle-report';
import { computeCycleReport, cycleReportTable } from '../../reports/cycle-report';
import { DIALECTS, TestClock, useTestDatabase } from '../db/harness';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe.each(DIALECTS)('points awarded outside activities in the cycle report on %s', (dialect) => {
  const t = useTestDatabase(dialect);
  const now = Date.parse('2026-05-20T02:00:00.000Z');
  const cycle = {
    cycleId: 'cy-aw',
    name: '第三期孵化周期',
    periodStart: iso(now - 30 * DAY),
    periodEnd: iso(now + 30 * DAY),
    compounds: ['c1'],
    coordinator: { id: 'co-1' },
    supervisor: { id: 'su-1' },
    milestones: [],
  };

  beforeAll(async () => {
    await t.db.insertInto('compounds').values([{ id: 'c1', name: '锦绣花园' }, { id: 'c2', name: '锦华苑' }]).execute();
    await t.db
      .insertInto('families')
      .values([
        { id: 'fa', compound_id: 'c1', name: '刘家', email: 'fa@example.test', locale: 'zh-CN', members: 3, qr_token: 'qa' },
        { id: 'fb', compound_id: 'c1', name: '赵家', email: 'fb@example.test', locale: 'zh-CN', members: 2, qr_token: 'qb' },
        { id: 'fc', compound_id: 'c2', name: '孙家', email: 'fc@example.test', locale: 'zh-CN', members: 2, qr_token: 'qc' },
      ])
      .execute();
    await new Cycles(t.db).ensure(cycle);
  });

  it('counts family learning and volunteering awards of its compounds’ families in its period, by path, with their entries', async () => {
    const clock = new TestClock(now - 40 * DAY);
    const ledger = new Ledger(t.db, { now: clock.now });
    // Before the period: not counted.
    await ledger.staffAward({ familyId: 'fa', path: 'familyLearning', amount: 7, reason: '上一期', idempotencyKey: 'k-before' });
    clock.set(iso(now - 10 * DAY));
    const learning = await ledger.staffAward({ familyId: 'fa', path: 'familyLearning', amount: 20, reason: '亲子共读', idempotencyKey: 'k-1' });
    const volunteering = await ledger.staffAward({ familyId: 'fb', path: 'volunteering', amount: 15, reason: '社区义诊引导', idempotencyKey: 'k-2' });
    // Another compound's family: not this cycle's.
    await ledger.staffAward({ familyId: 'fc', path: 'volunteering', amount: 9, reason: '别的小区', idempotencyKey: 'k-3' });
    // An activity's award: counted as before (under points.awarded, by activity), not here.
    await ledger.award({ holder: { kind: 'family', id: 'fa' }, amount: 10, idempotencyKey: 'act-1', activityId: 'a-elsewhere', rule: 'familyLearning' });

    const report = await computeCycleReport(t.db, cycle.cycleId, { asOf: iso(now) });
    expect(report.points.outsideActivities).toEqual({
      total: 35,
      familyLearning: 20,
      volunteering: 15,
      familyIds: ['fa', 'fb'],
      entryIds: [learning.entry.id, volunteering.entry.id].sort(),
    });
    // The CSV summary names the figures, with the entries behind them.
    const summary = cycleReportTable(report, 'summary', 'zh-CN').rows;
    expect(summary.find((r) => r.key === 'points.outsideActivities.total')).toMatchObject({ figure: '活动外发放积分（家庭学习与志愿服务）', value: 35 });
    expect(summary.find((r) => r.key === 'points.outsideActivities.familyLearning')).toMatchObject({ value: 20, sources: [learning.entry.id, volunteering.entry.id].sort().join(' ') });
    expect(summary.find((r) => r.key === 'points.outsideActivities.volunteering')).toMatchObject({ value: 15 });

    // A reversal takes the award back out of the figure.
    clock.set(iso(now - 5 * DAY));
    await ledger.reverse({ entryId: volunteering.entry.id, idempotencyKey: 'rev-2', note: '重复录入' });
    const after = await computeCycleReport(t.db, cycle.cycleId, { asOf: iso(now) });
    expect(after.points.outsideActivities).toMatchObject({ total: 20, volunteering: 0 });
  });

  it('a report closed before these figures existed shows no figure rather than 0', async () => {
    // A saved report of before: the same shape without the new field.
    const { outsideActivities: _, ...points } = (await computeCycleReport(t.db, cycle.cycleId, { asOf: iso(now) })).points;
    const before = { ...(await computeCycleReport(t.db, cycle.cycleId, { asOf: iso(now) })), points } as CycleReport;
    const summary = cycleReportTable(before, 'summary', 'en').rows;
    expect(summary.find((r) => r.key === 'points.outsideActivities.total')).toMatchObject({ figure: 'Points awarded outside activities (family learning and volunteering)', value: null, sources: '' });
    expect(summary.find((r) => r.key === 'points.awarded.total')).toBeDefined();
  });
});
