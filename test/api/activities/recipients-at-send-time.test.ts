/**
 * Recipients by key, resolved when an email goes out (issue 14, item 2): a workflow's input names
 * its people by id, and each email reads the name and address from the directory as it is sent.
 * A grid worker whose address is corrected while the activity waits for their approval gets the
 * reminder at the new address; nothing goes to the old one after the correction.
 */
import { DIALECTS } from '../../db/harness';
import { STAFF, api, communityPlan, eventually, mailTo, seedCycle, startApiHarness, unique, type ApiHarness } from '../harness';

jest.setTimeout(120_000);

describe.each(DIALECTS)('on %s', (dialect) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ worker: true, dialect, env: { APPROVAL_REMINDER_AFTER: '6s' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  test('a corrected address reaches a running activity: the approval reminder goes to the address on file now', async () => {
    const cycleId = await seedCycle(h.db, unique('cycle'));
    const title = unique('东苑亲子运动会');
    const started = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId, plan: communityPlan(title) } });
    expect(started.status).toBe(201);
    const activityId = started.body.activityId as string;

    // The request for approval goes to the address on file at the time.
    const oldAddress = STAFF.gw.email;
    await mailTo(h.mailbox, oldAddress, title);
    const newAddress = `${unique('li.wangge')}@example.test`;
    await h.db.updateTable('staff').set({ email: newAddress }).where('id', '=', STAFF.gw.id).execute();
    const toOldBefore = h.mailbox.messages().filter((m) => m.to.includes(oldAddress) && m.subject.includes(title)).length;

    const reminder = await mailTo(h.mailbox, newAddress, title, 30_000);
    expect(reminder.subject).toContain(title);
    // The outbox records the reminder under the grid worker's key, sent to the new address only.
    const toOldAfter = h.mailbox.messages().filter((m) => m.to.includes(oldAddress) && m.subject.includes(title)).length;
    expect(toOldAfter).toBe(toOldBefore);
    // The workflow's own record of the plan holds no address of anyone.
    const status = await eventually(async () => (await api(h.baseUrl, 'GET', `/api/activities/${activityId}`, { who: 'co' })).body, 10_000, 'status');
    expect(JSON.stringify(status)).not.toContain('@example.test');
  });
});
