/**
 * A stuck activity on the coordinator's page (issue 14, item 3), against the real app and a
 * worker on the shared dev server whose activity that records the stage fails on purpose while
 * `failing` is set: the page says which step did not go through and why, and when it is tried
 * again; the coordinator's "try again now" sends the workflow on once the cause is fixed.
 */
import type { ActivityRecord } from '../../../domain/activity';
import { seedCycle } from '../../support/app-harness';
import { type CookieJar, communityPlan, eventually, postForm, request, signIn, startActivity, startDashboardHarness, unique, type DashboardHarness } from './harness';
import { StoreLogicError } from '../../../db/util';

let failing = true;
let h: DashboardHarness;
beforeAll(async () => {
  h = await startDashboardHarness({
    worker: true,
    extraActivities: ({ store }) => ({
      async recordActivity(record: ActivityRecord) {
        if (failing && !record.attention && record.stage === 'approval') throw new StoreLogicError(`activity ${record.activityId}: no grid worker serves ${record.compound}`);
        return store.upsertActivity(record);
      },
    }),
  });
});
afterAll(async () => {
  await h?.close();
});

test('the page names the stuck step and its error; "try again now" sends the workflow on once it is fixed', async () => {
  const cycleId = await seedCycle(h.db, unique('cycle'));
  const id = await startActivity(h, cycleId, communityPlan(unique('邻里节')));
  const jar: CookieJar = await signIn(h, 'co');
  const page = await eventually(async () => {
    const p = await request(`${h.baseUrl}/dashboard/activities/${id}`, jar);
    return p.text.includes('id="attention"') ? p : undefined;
  }, 30_000, 'the attention notice');
  expect(page.text).toContain('需要处理：“记录活动进度”这一步没有成功（activity');
  expect(page.text).toContain('no grid worker serves');
  expect(page.text).toContain('立即重试');
  // The overview flags it too, so nobody has to open each activity to find it.
  expect((await request(`${h.baseUrl}/dashboard`, jar)).text).toMatch(new RegExp(`${id}[^]*?<span class="badge red">需要处理</span>`));
  const row = await h.db.selectFrom('activities').select(['attention_json']).where('id', '=', id).executeTakeFirstOrThrow();
  expect(JSON.parse(row.attention_json!)).toMatchObject({ step: 'recordActivity' });

  // Fixed; the coordinator asks for another try: the activity goes on and the note is gone.
  failing = false;
  const csrf = /name="csrf" value="([^"]+)"[^]*?立即重试/.exec(page.text)?.[1] ?? '';
  const asked = await postForm(`${h.baseUrl}/dashboard/activities/${id}/retry`, jar, { csrf });
  expect(asked.status).toBe(200);
  expect(asked.text).toContain('已要求立即重试');
  const after = await eventually(async () => {
    const r = await h.db.selectFrom('activities').select(['attention_json', 'stage']).where('id', '=', id).executeTakeFirstOrThrow();
    return r.attention_json === null ? r : undefined;
  }, 30_000, 'the note cleared');
  expect(after.stage).toBe('approval');
  expect((await request(`${h.baseUrl}/dashboard/activities/${id}`, jar)).text).not.toContain('id="attention"');

  // Only a coordinator may ask; a form from elsewhere is refused.
  expect((await postForm(`${h.baseUrl}/dashboard/activities/${id}/retry`, jar, { csrf: 'forged' })).status).toBe(403);
});
