/**
 * A grid worker moved to another compound can no longer decide with an old link of the former
 * compound: the link's page says it is no longer theirs (403), the POST decides nothing, and the
 * attempt is audited. Real workflow, real mail, on SQLite and PostgreSQL.
 */
import type { ActivityStatus } from '../../../domain/activity';
import { DIALECTS } from '../../db/harness';
import { STAFF, api, communityPlan, linkIn, mailTo, page, seedCycle, startApiHarness, submit, unique, type ApiHarness } from '../harness';

describe.each(DIALECTS)('on %s', (dialect) => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness({ worker: true, dialect });
  });

  afterAll(async () => {
    await h?.close();
  });

  async function status(activityId: string): Promise<ActivityStatus> {
    const res = await api(h.baseUrl, 'GET', `/api/activities/${activityId}`, { who: 'co' });
    expect(res.status).toBe(200);
    return res.body as ActivityStatus;
  }

  const moveGridWorker = (compound: string) => h.db.updateTable('staff').set({ compound_id: compound }).where('id', '=', STAFF.gw.id).execute();

  test('after the directory moves the grid worker to another compound, their approval link shows it is no longer theirs and decides nothing', async () => {
    const title = unique('调岗审批');
    const started = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId: await seedCycle(h.db, unique('cycle')), plan: communityPlan(title) } });
    expect(started.status).toBe(201);
    const activityId = started.body.activityId as string;
    const link = linkIn(await mailTo(h.mailbox, STAFF.gw.email, title));
    // The page as the grid worker had it open (its form and CSRF cookie) before the move.
    const opened = await page(link);
    expect(opened.status).toBe(200);
    expect(opened.text).toContain('value="approve"');

    await moveGridWorker('c-west');
    try {
      const shown = await page(link);
      expect(shown.status).toBe(403);
      expect(shown.text).toContain('链接已不属于您');
      expect(shown.text).not.toContain('value="approve"');

      const posted = await submit(link, { choice: 'approve' }, { from: opened });
      expect(posted.status).toBe(403);
      expect(posted.text).toContain('链接已不属于您');

      const after = await status(activityId);
      expect(after.stage).toBe('approval');
      expect(after.decisions.filter((d) => d.kind === 'approval')).toEqual([]);
      const audit = await h.db
        .withTables<{ action_audit: { workflow_id: string; outcome: string; action: string; recipient_key: string } }>()
        .selectFrom('action_audit')
        .select(['outcome', 'action', 'recipient_key'])
        .where('workflow_id', '=', `themed-activity:${activityId}`)
        .execute();
      expect(audit).toEqual([{ outcome: 'invalid', action: 'approve', recipient_key: `staff:${STAFF.gw.id}` }]);
    } finally {
      await moveGridWorker(STAFF.gw.compound);
    }

    // Back in the compound, the same link decides again (the refusal was the move, not the link).
    const decided = await submit(link, { choice: 'approve' });
    expect(decided.status).toBe(200);
    expect((await status(activityId)).decisions.filter((d) => d.kind === 'approval')).toEqual([expect.objectContaining({ outcome: 'approve', round: 1 })]);
  });
});
