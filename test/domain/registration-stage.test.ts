import { ALL_STAGES } from '../../domain/vocabulary';
import { registrationClosedReason } from '../../domain/activity';

describe('registrationClosedReason', () => {
  test('families register only once the plan is approved and until the activity has taken place', () => {
    expect(Object.fromEntries(ALL_STAGES.map((stage) => [stage, registrationClosedReason(stage) ?? 'open']))).toEqual({
      planning: 'awaitingApproval',
      venueRequest: 'awaitingApproval',
      approval: 'awaitingApproval',
      reminders: 'open',
      attendance: 'open',
      pointsAward: 'over',
      supervisionFeedback: 'over',
      completed: 'over',
      rejected: 'rejected',
      cancelled: 'cancelled',
    });
  });

  test('a stage it does not know is closed, never open', () => {
    expect(registrationClosedReason('someFutureStage')).toBe('over');
  });
});
