/**
 * The overview and the digest read the read model (issue 13, item 4), on SQLite and PostgreSQL,
 * against the real app and a worker on the shared dev server. Two activities run for real to
 * their approval; 520 more are recorded as their workflows write them (more than the overview's
 * old cap of 300 and the digest's of 500). The record of every Temporal query and visibility
 * listing the app's client makes shows that the overview asks no workflow however many pages
 * (one visibility listing a view says which ended without completing); the pages between them show every activity and every wait once; a run the read model has not seen
 * (one started before it) is asked once, and then never again; the digest lists every open
 * activity without asking any.
 */
import { createDigestActivities } from '../../../activities/digest';
import { SqlActivityStore } from '../../../db/store';
import { SmtpMailer } from '../../../mail/smtp-mailer';
import { seedCycle } from '../../support/app-harness';
import { seedReadModel, waitingApprovals } from '../../support/read-model-fixtures';
import { DIALECTS } from '../../db/harness';
import { PAGE_SIZE } from '../../../api/dashboard/data';
import { STAFF, communityPlan, eventually, request, signIn, startActivity, startDashboardHarness, unique, type CookieJar, type DashboardHarness } from './harness';

const SEEDED = 520;
const HOUR = 3_600_000;

describe.each(DIALECTS)('the overview and the digest from the read model on %s', (dialect) => {
  let h: DashboardHarness;
  let jar: CookieJar;
  const calls = { query: 0, list: 0 };
  let real: string[] = [];

  beforeAll(async () => {
    h = await startDashboardHarness({ worker: true, dialect });
    const cycleId = await seedCycle(h.db, unique('cycle'));
    real = [await startActivity(h, cycleId, communityPlan(unique('邻里节'))), await startActivity(h, cycleId, communityPlan(unique('楼道美化')))];
    for (const id of real) {
      await eventually(async () => {
        const row = await h.db.selectFrom('activities').select('pending_action').where('id', '=', id).executeTakeFirst();
        return row?.pending_action === 'decideApproval' ? true : undefined;
      }, 60_000, `${id} waiting for approval in the read model`);
    }
    await seedReadModel(
      h.db,
      waitingApprovals(SEEDED, { prefix: unique('many'), cycleId: unique('cycle-many'), compound: 'c-east', gridWorkerId: STAFF.gw.id, firstDueMs: Date.now() - HOUR }),
    );
    jar = await signIn(h, 'co');
    // The record: every status query and every visibility listing the app's one client makes.
    const service = h.client.workflowService;
    const query = service.queryWorkflow.bind(service);
    const list = service.listWorkflowExecutions.bind(service);
    jest.spyOn(service, 'queryWorkflow').mockImplementation((req) => {
      calls.query++;
      return query(req);
    });
    jest.spyOn(service, 'listWorkflowExecutions').mockImplementation((req) => {
      calls.list++;
      return list(req);
    });
  }, 180_000);
  afterAll(async () => {
    jest.restoreAllMocks();
    await h?.close();
  });

  const allIds = async () => (await h.db.selectFrom('activities').select('id').execute()).map((r) => r.id).sort();

  /** Follows the overview's "next" links from the first page; the activities (or waits) each page lists. */
  async function throughPages(which: 'page' | 'waiting', rowPattern: RegExp): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let url: string | undefined = `${h.baseUrl}/dashboard/`;
    let pages = 0;
    while (url) {
      const page = await request(url, jar);
      expect(page.status).toBe(200);
      pages++;
      for (const m of page.text.matchAll(rowPattern)) ids.push(decodeURIComponent(m[1]!));
      const next = [...page.text.matchAll(/<a href="([^"]+)" rel="next">/g)].map((m) => m[1]!.replace(/&amp;/g, '&')).find((href) => new URL(href, h.baseUrl).searchParams.get(which) === String(pages + 1));
      url = next ? new URL(next, h.baseUrl).toString() : undefined;
      if (pages > 50) throw new Error('no last page');
    }
    return { ids, pages };
  }

  it('pages through every activity and every wait, asking no workflow, with one visibility listing a page', async () => {
    const before = { ...calls };
    const activities = await throughPages('page', /<tr><td><a href="\/dashboard\/activities\/([^"]+)">[^<]*<\/a><\/td>/g);
    const total = SEEDED + real.length;
    expect(activities.pages).toBe(Math.ceil(total / PAGE_SIZE));
    expect(activities.pages).toBeGreaterThan(1);
    expect(activities.ids).toHaveLength(total);
    expect([...activities.ids].sort()).toEqual(await allIds());

    const waits = await throughPages('waiting', /<a href="\/dashboard\/activities\/([^"]+)">[^<]*<\/a><div class="muted">/g);
    expect(waits.ids).toHaveLength(total);
    expect(new Set(waits.ids)).toEqual(new Set(activities.ids));
    // Overdue first: the seeded ones due an hour ago lead, each waiting on the grid worker by name.
    const first = await request(`${h.baseUrl}/dashboard/`, jar);
    expect(first.text).toContain('已逾期');
    expect(first.text).toContain(`网格员 ${STAFF.gw.name}`);
    expect(first.text).toContain(`第 1 / ${Math.ceil(total / PAGE_SIZE)} 页，共 ${total} 项`);

    expect(calls.query - before.query).toBe(0);
    // One listing per page view (which of its workflows ended otherwise than completing), however many open.
    expect(calls.list - before.list).toBe(activities.pages + waits.pages + 1);
  });

  it('marks an activity whose workflow was terminated, from that one listing', async () => {
    const [, gone] = real;
    await h.client.workflow.getHandle(`themed-activity:${gone!}`).terminate('test: ended by hand');
    const before = { ...calls };
    const row = await eventually(async () => {
      for (let page = 1; page <= Math.ceil((SEEDED + real.length) / PAGE_SIZE); page++) {
        const text = (await request(`${h.baseUrl}/dashboard/?page=${page}`, jar)).text;
        const found = new RegExp(`<tr><td><a href="/dashboard/activities/${gone!}">[^]*?</tr>`).exec(text)?.[0];
        if (found) return found.includes('TERMINATED') ? found : undefined;
      }
      return undefined;
    }, 20_000, 'the terminated badge');
    expect(row).toContain('<span class="badge red">TERMINATED</span>');
    expect(calls.query - before.query).toBe(0);
  });

  it('asks a run the read model has not seen once, keeps its answer, and then asks nothing', async () => {
    const [old] = real;
    // As a run started before the read model: its row carries no status.
    await h.db.updateTable('activities').set({ status_json: null, status_seq: null, pending_action: null, pending_role: null, pending_actor_id: null, pending_due_at: null }).where('id', '=', old!).execute();
    const before = calls.query;
    expect((await request(`${h.baseUrl}/dashboard/`, jar)).status).toBe(200);
    expect(calls.query - before).toBe(1);
    const kept = await h.db.selectFrom('activities').select(['status_json', 'status_seq', 'pending_action']).where('id', '=', old!).executeTakeFirstOrThrow();
    expect(kept).toMatchObject({ status_seq: 0, pending_action: 'decideApproval' });
    expect(JSON.parse(kept.status_json!).activityId).toBe(old);
    expect((await request(`${h.baseUrl}/dashboard/`, jar)).status).toBe(200);
    expect((await request(`${h.baseUrl}/dashboard/?page=2&waiting=3`, jar)).status).toBe(200);
    expect(calls.query - before).toBe(1);
  });

  it('the digest lists every open activity from the read model, none left out and none asked', async () => {
    const mailer = new SmtpMailer({ host: '127.0.0.1', port: h.mailbox.port, secure: false, from: h.config.mail.from });
    try {
      const digest = createDigestActivities({
        client: h.client,
        db: h.db,
        store: new SqlActivityStore(h.db),
        mailer,
        taskQueue: h.config.temporal.taskQueue,
        publicBaseUrl: 'http://localhost:3999',
        timeZone: 'Asia/Shanghai',
        messageIdDomain: 'jinhua.example.test',
      });
      const before = { ...calls };
      const report = await digest.gatherDigest({ day: '2026-12-02', asOf: new Date().toISOString(), upcomingDays: 14 });
      expect(calls.query - before.query).toBe(0);
      // Which ended otherwise than completing: one visibility listing per 200 open activities.
      expect(calls.list - before.list).toBe(Math.ceil((SEEDED + real.length) / 200));
      expect(report.truncated).toBe(false);
      // Every open one but the terminated one.
      const [, gone] = real;
      expect(report.pendingApprovals).toHaveLength(SEEDED + real.length - 1);
      expect(new Set(report.pendingApprovals.map((i) => i.activityId))).toEqual(new Set((await allIds()).filter((id) => id !== gone)));
      // The seeded ones were due from an hour ago, a minute apart: those past are overdue, earliest first.
      expect(report.overdue.length).toBeGreaterThanOrEqual(59);
      expect(report.overdue.every((i) => Date.parse(i.pending!.dueAt!) < Date.parse(report.asOf))).toBe(true);
      expect(report.overdue.map((i) => i.pending!.dueAt)).toEqual([...report.overdue.map((i) => i.pending!.dueAt)].sort());
      // Every seeded one starts within the fortnight.
      expect(report.upcoming.length).toBeGreaterThanOrEqual(SEEDED);
    } finally {
      await mailer.close();
    }
  });
});
