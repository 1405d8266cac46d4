/** Who sees what on the dashboard, over plain HTTP against the real app, worker and dev server. */
import { Cycles } from '../../../db/services/cycles';
import {
  STAFF,
  communityPlan,
  eventually,
  request,
  signIn,
  startActivity,
  startDashboardHarness,
  unique,
  type CookieJar,
  type DashboardHarness,
} from './harness';

let h: DashboardHarness;
let east: string;
let west: string;
const cycleId = unique('cycle');
const jars: Partial<Record<'co' | 'pm' | 'gw' | 'su' | 'pmWest', CookieJar>> = {};

beforeAll(async () => {
  h = await startDashboardHarness({ worker: true });
  await new Cycles(h.db).ensure({
    cycleId,
    name: '邻里节孵化周期',
    periodStart: new Date(Date.now() - 86_400_000).toISOString(),
    periodEnd: new Date(Date.now() + 60 * 86_400_000).toISOString(),
    compounds: ['c-east', 'c-west'],
    coordinator: { id: 'co-1' },
    supervisor: { id: 'su-1' },
    milestones: [{ id: 'kickoff', name: '启动培训', dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString() }],
  });
  east = await startActivity(h, cycleId, communityPlan(unique('东苑邻里节')));
  west = await startActivity(h, cycleId, communityPlan(unique('西苑家庭日'), { compound: 'c-west', venue: { kind: 'community', venueName: '西苑会议室', hours: 2 } }));
  // Both wait for their grid worker's approval, and the approval emails are in the outbox.
  await eventually(async () => ((await h.db.selectFrom('email_outbox').select('key').where('purpose', '=', 'approvalRequest').execute()).length === 2 ? true : undefined), 30_000, 'approval requests');
  // Some points on file for a family in each compound.
  await h.db
    .insertInto('points_entries')
    .values(
      (['fam-east-1', 'fam-west-1'] as const).map((id, i) => ({
        id: `pe-${id}`,
        holder_kind: 'family' as const,
        holder_id: id,
        kind: 'award' as const,
        amount: 20 + i,
        activity_id: null,
        rule: null,
        idempotency_key: `test:${id}`,
        reverses_entry_id: null,
        earned_at: new Date().toISOString(),
        expires_at: null,
        created_at: new Date().toISOString(),
        note: 'test',
      })),
    )
    .execute();
  for (const who of ['co', 'pm', 'gw', 'su', 'pmWest'] as const) jars[who] = await signIn(h, who);
});

afterAll(async () => {
  await h?.close();
});

const get = (who: keyof typeof jars, path: string) => request(`${h.baseUrl}${path}`, jars[who]!);

describe('without a session', () => {
  it('every dashboard page sends the browser to sign in', async () => {
    for (const path of ['/dashboard', `/dashboard/activities/${east}`, '/dashboard/leaderboard', `/dashboard/cycles/${cycleId}/report`]) {
      const res = await fetch(`${h.baseUrl}${path}`, { redirect: 'manual' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/^\/sign-in\?next=/);
    }
  });

  it('a forged session cookie is no session', async () => {
    const res = await fetch(`${h.baseUrl}/dashboard`, { headers: { cookie: `cg_session=${'A'.repeat(43)}` }, redirect: 'manual' });
    expect(res.status).toBe(303);
  });
});

describe('the overview', () => {
  it('a coordinator sees both compounds, grouped by cycle, with who is waited on', async () => {
    const page = await eventually(async () => {
      const p = await get('co', '/dashboard');
      return p.text.includes(east) && p.text.includes(west) ? p : undefined;
    }, 15_000, 'both activities listed');
    expect(page.text).toContain(`孵化周期 ${cycleId}`);
    expect(page.text).toContain('邻里节孵化周期');
    expect(page.text).toContain('启动培训 · 待完成');
    expect(page.text).toContain('网格员 李网格');
    expect(page.text).toContain('网格员 周网格');
    expect(page.text).toContain('审批活动方案');
    expect(page.text).toContain('周期报告');
  });

  it("a property manager sees only their own compound's activities", async () => {
    const page = await eventually(async () => {
      const p = await get('pm', '/dashboard');
      return p.text.includes(east) ? p : undefined;
    }, 15_000, 'east listed');
    expect(page.text).not.toContain(west);
    expect(page.text).toContain('仅显示您负责的小区：东苑');
    expect(page.text).not.toContain('周期报告');
  });
});

describe('activity pages', () => {
  it("a property manager or grid worker gets 403 for another compound's activity", async () => {
    const res = await get('pm', `/dashboard/activities/${west}`);
    expect(res.status).toBe(403);
    expect(res.text).toContain('无权查看');
    expect(res.text).toContain('您只能查看自己负责小区的活动和家庭');
    expect(res.text).not.toContain('西苑家庭日');
    expect((await get('gw', `/dashboard/activities/${west}`)).status).toBe(403);
    expect((await get('pmWest', `/dashboard/activities/${east}`)).status).toBe(403);
  });

  it('their own compound’s activity shows its timeline, without email addresses', async () => {
    const res = await get('gw', `/dashboard/activities/${east}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('时间线');
    expect(res.text).toContain('审批请求');
    expect(res.text).toContain('staff:gw-east');
    expect(res.text).not.toContain(STAFF.gw.email);
  });

  it('a coordinator sees the email addresses, and a link to the Temporal web UI', async () => {
    const res = await get('co', `/dashboard/activities/${west}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(STAFF.gwWest.email);
    expect(res.text).toContain(`/namespaces/default/workflows/${encodeURIComponent(`themed-activity:${west}`)}`);
    // The Temporal UI asks no one to sign in: the page says so beside the link.
    expect(res.text).toContain('Temporal 界面没有自己的登录');
  });

  it('no one but a coordinator gets the Temporal UI link (it has no sign-in of its own)', async () => {
    for (const who of ['pm', 'gw', 'su'] as const) {
      const res = await get(who, `/dashboard/activities/${east}`);
      expect({ who, status: res.status }).toEqual({ who, status: 200 });
      expect(res.text).toContain('时间线');
      expect(res.text).not.toContain('/namespaces/');
      expect(res.text).not.toContain('Temporal');
    }
  });

  it('a supervisor sees any activity but not its points section', async () => {
    const res = await get('su', `/dashboard/activities/${west}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('督导反馈');
    expect(res.text).not.toContain('<h2>积分</h2>');
    expect(res.text).not.toContain(STAFF.gwWest.email);
    expect((await get('co', `/dashboard/activities/${west}`)).text).toContain('<h2>积分</h2>');
  });

  it('an unknown activity is a 404 page', async () => {
    const res = await get('co', '/dashboard/activities/act-does-not-exist');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });
});

describe("families' points", () => {
  it("a non-coordinator gets 403 for another compound's families", async () => {
    const res = await get('pm', '/dashboard/leaderboard?compound=c-west');
    expect(res.status).toBe(403);
    expect(res.text).toContain('无权查看');
    expect(res.text).not.toContain('吴家');
    expect((await get('gw', '/dashboard/leaderboard?compound=c-west')).status).toBe(403);
  });

  it("a property manager sees their own compound's families", async () => {
    const res = await get('pm', '/dashboard/leaderboard');
    expect(res.status).toBe(200);
    expect(res.text).toContain('刘家');
    expect(res.text).not.toContain('吴家');
  });

  it("a supervisor sees no families' points", async () => {
    const res = await get('su', '/dashboard/leaderboard');
    expect(res.status).toBe(403);
    expect(res.text).toContain('不能查看家庭积分');
  });

  it('a coordinator sees every compound, highest balance first', async () => {
    const res = await get('co', '/dashboard/leaderboard');
    expect(res.status).toBe(200);
    expect(res.text.indexOf('吴家')).toBeGreaterThan(-1);
    expect(res.text.indexOf('吴家')).toBeLessThan(res.text.indexOf('刘家'));
  });
});

describe('the cycle report', () => {
  it('is refused to everyone but coordinators with a 403 page', async () => {
    for (const who of ['pm', 'gw', 'su', 'pmWest'] as const) {
      const res = await get(who, `/dashboard/cycles/${cycleId}/report`);
      expect(res.status).toBe(403);
      expect(res.text).toContain('周期报告仅限项目协调人查看');
    }
  });

  it('is shown to a coordinator, with CSV downloads', async () => {
    const res = await get('co', `/dashboard/cycles/${cycleId}/report`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('孵化周期报告：邻里节孵化周期');
    expect(res.text).toContain('@media print');
    const href = /href="(\/dashboard\/cycles\/[^"]+\/csv\/activities[^"]*)"/.exec(res.text)?.[1]?.replace(/&amp;/g, '&');
    expect(href).toBeDefined();
    const csv = await get('co', href!);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="cycle-.+-activities\.csv"/);
    expect(csv.text).toContain('活动编号');
    expect(csv.text).toContain(east);
  });

  it('its CSV is refused to non-coordinators, and an unknown cycle is a 404 page', async () => {
    expect((await get('pm', `/dashboard/cycles/${cycleId}/csv/activities`)).status).toBe(403);
    expect((await get('co', '/dashboard/cycles/no-such-cycle/report')).status).toBe(404);
    expect((await get('co', `/dashboard/cycles/${cycleId}/csv/nonsense`)).status).toBe(404);
  });
});

describe('language', () => {
  it('?lang=en switches to English and is remembered; ?lang=zh-CN switches back', async () => {
    const jar = jars.co!;
    const en = await request(`${h.baseUrl}/dashboard?lang=en`, jar);
    expect(en.text).toContain('Incubation cycles and activities');
    expect(en.text).toContain('<html lang="en"');
    const later = await request(`${h.baseUrl}/dashboard/leaderboard`, jar);
    expect(later.text).toContain('Family points leaderboard');
    const zh = await request(`${h.baseUrl}/dashboard?lang=zh-CN`, jar);
    expect(zh.text).toContain('孵化周期与活动');
    expect((await request(`${h.baseUrl}/dashboard/leaderboard`, jar)).text).toContain('家庭积分榜');
  });
});
