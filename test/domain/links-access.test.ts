import { approvalRefusal, mayAssignVenue, mayGiveFeedback, mayRecordMilestone } from '../../domain/access';
import { linkStepOpen } from '../../domain/links';

describe('linkStepOpen', () => {
  test('an approval link acts only in its own round of the approval stage', () => {
    expect(linkStepOpen('approval', 2, { stage: 'approval', approvalRound: 2 })).toBe(true);
    expect(linkStepOpen('approval', 1, { stage: 'approval', approvalRound: 2 })).toBe(false);
    expect(linkStepOpen('approval', 2, { stage: 'planning', approvalRound: 2 })).toBe(false);
  });

  test('a venue-request link acts only for the merchant ask now waiting', () => {
    expect(linkStepOpen('venueRequest', 3, { stage: 'venueRequest', approvalRound: 0, merchantAsk: 3 })).toBe(true);
    expect(linkStepOpen('venueRequest', 2, { stage: 'venueRequest', approvalRound: 0, merchantAsk: 3 })).toBe(false);
    expect(linkStepOpen('venueRequest', 3, { stage: 'venueRequest', approvalRound: 0 })).toBe(false);
    expect(linkStepOpen('venueRequest', 3, { stage: 'approval', approvalRound: 1, merchantAsk: 3 })).toBe(false);
  });

  test('a feedback link acts while supervision feedback is open', () => {
    expect(linkStepOpen('supervisionFeedback', 1, { stage: 'supervisionFeedback', approvalRound: 1 })).toBe(true);
    expect(linkStepOpen('supervisionFeedback', 1, { stage: 'completed', approvalRound: 1 })).toBe(false);
  });
});

describe('who may decide', () => {
  test("approval: the compound's grid worker or the coordinator; another compound's grid worker first", () => {
    expect(approvalRefusal({ id: 'gw-1', role: 'gridWorker' }, 'gw-1')).toBeNull();
    expect(approvalRefusal({ id: 'co-1', role: 'coordinator' }, 'gw-1')).toBeNull();
    expect(approvalRefusal({ id: 'gw-2', role: 'gridWorker' }, 'gw-1')).toBe('otherGridWorker');
    expect(approvalRefusal({ id: 'pm-1', role: 'propertyManager' }, 'gw-1')).toBe('roleMayNotDecide');
    expect(approvalRefusal({ id: 'm-1', role: 'merchant' }, 'gw-1')).toBe('roleMayNotDecide');
  });

  test('venue, feedback and milestones', () => {
    expect([mayAssignVenue('coordinator'), mayAssignVenue('propertyManager')]).toEqual([true, false]);
    expect([mayGiveFeedback('supervisor'), mayGiveFeedback('coordinator'), mayGiveFeedback('gridWorker')]).toEqual([true, true, false]);
    expect([mayRecordMilestone('supervisor'), mayRecordMilestone('coordinator'), mayRecordMilestone('merchant')]).toEqual([true, true, false]);
  });
});
