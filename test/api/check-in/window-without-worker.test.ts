/**
 * The door without a worker (issue 14, item 1): an approved activity whose recorded check-in window
 * has begun takes check-ins although no workflow opened attendance — and its pages say so. No
 * worker runs in this app: the activity row is what the workflow wrote at approval (its stage and
 * its window), and nothing flips it open. The family's own check-in link shows the button and
 * checks in; the desk's state says open; after the window the page says closed.
 */
import { signSelfServiceLink } from '../../../api/family/links';
import { SqlActivityStore } from '../../../db/store';
import { LINK_SECRET, page, startApiHarness, submit, unique, type ApiHarness } from '../harness';
import { seedFamily } from '../people-fixtures';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness({ worker: false });
});
afterAll(async () => {
  await h?.close();
});

async function approvedWithWindow(opensInMs: number, closesInMs: number): Promise<string> {
  const id = unique('act');
  const now = Date.now();
  await new SqlActivityStore(h.db).upsertActivity({
    activityId: id,
    cycleId: 'cycle-test',
    compound: 'c-east',
    title: '邻里节·亲子运动会',
    startsAt: new Date(now + opensInMs + 30 * 60_000).toISOString(),
    endsAt: new Date(now + closesInMs - 30 * 60_000).toISOString(),
    capacity: 80,
    stage: 'reminders',
    attendanceWindow: { opensAt: new Date(now + opensInMs).toISOString(), closesAt: new Date(now + closesInMs).toISOString() },
  });
  return id;
}

test('the family checks in by its own link while no worker has opened attendance', async () => {
  const activityId = await approvedWithWindow(-60_000, 3 * 3_600_000);
  const family = await seedFamily(h.db);
  const link = signSelfServiceLink({ activityId, step: 'checkIn', person: { kind: 'family', id: family.id }, expiresAtMs: Date.now() + 4 * 3_600_000 }, LINK_SECRET, h.baseUrl).url;
  const shown = await page(link);
  expect(shown.status).toBe(200);
  expect(shown.text).toContain('value="checkIn"');
  const done = await submit(link, { action: 'checkIn' }, { from: shown });
  expect(done.status).toBe(200);
  const rows = await h.db.selectFrom('check_ins').select(['person_id', 'method']).where('activity_id', '=', activityId).execute();
  expect(rows).toEqual([{ person_id: family.id, method: 'link' }]);
  // Nobody opened it: the row is still the workflow's "not open"; the door went by the window.
  expect((await h.db.selectFrom('activities').select('attendance_state').where('id', '=', activityId).executeTakeFirstOrThrow()).attendance_state).toBe('notOpen');
});

test('before its window the link offers no check-in, and after it the page says check-in has closed', async () => {
  const family = await seedFamily(h.db);
  const early = await approvedWithWindow(3_600_000, 4 * 3_600_000);
  const earlyLink = signSelfServiceLink({ activityId: early, step: 'checkIn', person: { kind: 'family', id: family.id }, expiresAtMs: Date.now() + 5 * 3_600_000 }, LINK_SECRET, h.baseUrl).url;
  expect((await page(earlyLink)).text).not.toContain('value="checkIn"');

  const late = await approvedWithWindow(-4 * 3_600_000, -60_000);
  const lateLink = signSelfServiceLink({ activityId: late, step: 'checkIn', person: { kind: 'family', id: family.id }, expiresAtMs: Date.now() + 3_600_000 }, LINK_SECRET, h.baseUrl).url;
  const closed = await page(lateLink);
  expect(closed.text).not.toContain('value="checkIn"');
  expect(closed.text).toContain('签到已结束');
});
