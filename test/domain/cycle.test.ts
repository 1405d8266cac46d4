import { milestoneState, incubationCycleWorkflowId } from '../../domain/cycle';

const due = '2026-05-01T01:00:00.000Z';
const dueMs = Date.parse(due);

describe('milestoneState', () => {
  test('not done: pending up to and including the due instant, overdue one millisecond after', () => {
    expect(milestoneState({ dueAt: due }, dueMs - 60_000)).toEqual({ state: 'pending' });
    expect(milestoneState({ dueAt: due, doneAt: null }, dueMs)).toEqual({ state: 'pending' });
    expect(milestoneState({ dueAt: due }, dueMs + 1)).toEqual({ state: 'overdue' });
  });

  test('done: on time when recorded by the due instant, late after it, whatever the clock says now', () => {
    expect(milestoneState({ dueAt: due, doneAt: due }, dueMs + 86_400_000)).toEqual({ state: 'done', onTime: true });
    expect(milestoneState({ dueAt: due, doneAt: '2026-05-01T01:00:00.001Z' }, dueMs - 1)).toEqual({ state: 'done', onTime: false });
  });

  test('compares instants, not strings: a due time with an offset', () => {
    // 09:00+08:00 is 01:00Z. As strings, '…T01:30…Z' sorts before '…T09:00+08:00' and would pass as on time.
    const withOffset = '2026-05-01T09:00:00+08:00';
    expect(milestoneState({ dueAt: withOffset, doneAt: '2026-05-01T00:30:00.000Z' }, 0)).toEqual({ state: 'done', onTime: true });
    expect(milestoneState({ dueAt: withOffset, doneAt: '2026-05-01T01:30:00.000Z' }, 0)).toEqual({ state: 'done', onTime: false });
    expect(milestoneState({ dueAt: withOffset }, Date.parse('2026-05-01T01:00:01.000Z'))).toEqual({ state: 'overdue' });
  });
});

test('incubationCycleWorkflowId names the cycle', () => {
  expect(incubationCycleWorkflowId('2026-spring')).toBe('incubation-cycle:2026-spring');
});
