/**
 * The coordinator's day, in a real browser (Debian's Chromium through playwright-core) against the
 * real app, a real worker on the shared Temporal dev server and a real dev mailbox. The workflow's
 * waits are shortened so one activity runs from start to completion in about half a minute.
 */
import type { Page } from 'playwright-core';
import { Cycles } from '../../db/services/cycles';
import { CheckIns } from '../../db/services/checkin';
import { Registrations } from '../../db/services/registration';
import {
  STAFF,
  actionLinkIn,
  communityPlan,
  eventually,
  seenMail,
  signInLinkIn,
  signInMailTo,
  startActivity,
  startDashboardHarness,
  unique,
  type DashboardHarness,
} from '../api/dashboard/harness';
import { browserSession, heading, reloadUntil, screenshot, type BrowserSession } from './browser';
import { formatDateTime } from '../../i18n/format';

jest.setTimeout(240_000);

let h: DashboardHarness;
let browsers: BrowserSession;
const cycleId = unique('cycle-2025');

beforeAll(async () => {
  h = await startDashboardHarness({
    worker: true,
    env: {
      // Reminders 14 s before the start; check-in opens 8 s before it and closes 3 s after the end;
      // the supervisor has 30 s for feedback (a reminder 10 s before the deadline).
      REMINDER_OFFSETS: '14s',
      ATTENDANCE_OPENS_BEFORE: '8s',
      ATTENDANCE_CLOSES_AFTER: '3s',
      FEEDBACK_DEADLINE: '30s',
      FEEDBACK_REMINDER_BEFORE: '10s',
    },
  });
  await new Cycles(h.db).ensure({
    cycleId,
    name: '2025 邻里节孵化周期',
    periodStart: new Date(Date.now() - 7 * 86_400_000).toISOString(),
    periodEnd: new Date(Date.now() + 90 * 86_400_000).toISOString(),
    compounds: ['c-east', 'c-west'],
    coordinator: { id: STAFF.co.id },
    supervisor: { id: STAFF.su.id },
    milestones: [
      { id: 'kickoff', name: '启动培训', dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString() },
      { id: 'review', name: '活动复盘', dueAt: new Date(Date.now() + 60 * 86_400_000).toISOString() },
    ],
  });
  browsers = await browserSession();
});

afterAll(async () => {
  await browsers?.close();
  await h?.close();
});

/** The pages with the most on them: a screenshot of one of them must show it. */
const RICH_PAGES = new Set(['dashboard-zh', 'dashboard-en', 'activity-zh', 'activity-en', 'report-zh', 'report-en']);

async function shoot(page: Page, name: string): Promise<void> {
  await screenshot(page, name, RICH_PAGES.has(name) ? 40_000 : 10_000);
}

/** Opens an emailed action link, fills it in (choosing an answer) and sends it (the page's form POSTs). */
async function actFromEmail(page: Page, link: string, fill: (page: Page) => Promise<void>): Promise<void> {
  await page.goto(link);
  await fill(page);
  await Promise.all([page.waitForLoadState('load'), page.locator('button[type="submit"]').click()]);
  await page.getByRole('heading', { name: '提交成功' }).waitFor({ timeout: 15_000 });
}

describe('the coordinator follows an activity from start to completion', () => {
  let coordinator: Page;
  let activityId: string;
  let title: string;
  let approvedAt: number;

  it('signs in through the emailed link: opening the link shows a button, the button signs in', async () => {
    coordinator = await browsers.newPage();
    await coordinator.goto(`${h.baseUrl}/sign-in`);
    expect(await heading(coordinator)).toBe('工作人员登录');
    await shoot(coordinator, 'sign-in-zh');
    await coordinator.fill('#email', STAFF.co.email);
    const seen = seenMail(h.mailbox);
    await Promise.all([coordinator.waitForLoadState('load'), coordinator.locator('button[type="submit"]').click()]);
    await coordinator.getByRole('heading', { name: '请查收邮件' }).waitFor();

    const link = signInLinkIn(await signInMailTo(h.mailbox, STAFF.co.email, seen));
    await coordinator.goto(link);
    expect(await heading(coordinator)).toBe('登录协调工作台');
    await shoot(coordinator, 'sign-in-link-zh');
    // Showing the link signed no one in.
    expect((await coordinator.context().cookies()).some((c) => c.name === 'cg_session')).toBe(false);
    await Promise.all([coordinator.waitForURL(`${h.baseUrl}/dashboard`), coordinator.locator('button[type="submit"]').click()]);
    const session = (await coordinator.context().cookies()).find((c) => c.name === 'cg_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });
    expect(await heading(coordinator)).toBe('孵化周期与活动');
    expect(await coordinator.content()).toContain('2025 邻里节孵化周期');
  });

  it('starts an activity through the API; a grid worker approves it from the emailed link in another browser', async () => {
    const startsAt = new Date(Date.now() + 20_000);
    startsAt.setUTCMilliseconds(0);
    title = unique('东苑亲子运动会');
    const seen = seenMail(h.mailbox);
    activityId = await startActivity(
      h,
      cycleId,
      communityPlan(title, {
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 6_000).toISOString(),
        // A venue is never booked longer than the activity: 0.001 h is 3.6 s of the 6 s.
        venue: { kind: 'community', venueName: '东苑活动室', hours: 0.001 },
        pointsRules: { attendance: 10, perVolunteerHour: 5 },
      }),
    );
    // The grid worker's approval email, opened in the grid worker's own browser.
    const mail = await h.mailbox.waitFor((m) => !seen.has(m.id) && m.to.includes(STAFF.gw.email) && m.text.includes('/a/'), 20_000);
    // Meanwhile the dashboard says who the activity waits on, and since when.
    await coordinator.goto(`${h.baseUrl}/dashboard`);
    await reloadUntil(coordinator, (c) => c.includes('审批活动方案') && c.includes('网格员 李网格'), 15_000, 'the approval on the waiting list');
    await shoot(coordinator, 'dashboard-waiting-zh');

    const gridWorker = await browsers.newPage();
    await gridWorker.goto(actionLinkIn(mail));
    expect(await heading(gridWorker)).toBe('活动方案审批');
    expect(await gridWorker.content()).toContain(title);
    approvedAt = Date.now();
    await actFromEmail(gridWorker, actionLinkIn(mail), async (p) => {
      await p.check('input[name="choice"][value="approve"]');
      await p.fill('#comment', '方案很好，同意。');
    });
    expect(await gridWorker.content()).toContain('李网格');

    // Once the plan is approved, a family registers (the registration service, as the register page would).
    await eventually(
      async () => (['reminders', 'attendance'].includes((await h.db.selectFrom('activities').select('stage').where('id', '=', activityId).executeTakeFirst())?.stage ?? '') ? true : undefined),
      15_000,
      'the plan approved',
    );
    expect(await new Registrations(h.db).register(activityId, 'fam-east-1', 3)).toBe('registered');
  });

  it('watches it through check-in, points and the supervisor’s feedback to completion', async () => {
    await coordinator.goto(`${h.baseUrl}/dashboard/activities/${activityId}`);
    expect(await heading(coordinator)).toBe(title);

    // Check-in opens 8 s before the start: the family checks in at the desk.
    await eventually(
      async () => ((await h.db.selectFrom('activities').select('attendance_state').where('id', '=', activityId).executeTakeFirst())?.attendance_state === 'open' ? true : undefined),
      40_000,
      'check-in open',
      200,
    );
    await new CheckIns(h.db).checkIn({ activityId, personKind: 'family', personId: 'fam-east-1', method: 'staff' });
    await reloadUntil(coordinator, (c) => c.includes('刘家'), 10_000, 'the check-in on the activity page');

    // After points are awarded, the supervisor is asked for feedback, and gives it from the link.
    const seen = seenMail(h.mailbox);
    const feedbackMail = await h.mailbox.waitFor((m) => !seen.has(m.id) && m.to.includes(STAFF.su.email) && m.text.includes('/a/'), 60_000);
    // A mail scanner opens the link first and presses its first button: the ratings, none chosen
    // beforehand, are required, so the browser sends nothing; the supervisor's own answer below
    // is then the first one recorded (the page says 提交成功, not “already answered”).
    const scanner = await browsers.newPage();
    await scanner.goto(actionLinkIn(feedbackMail));
    const posts: string[] = [];
    scanner.on('request', (r) => void (r.method() === 'POST' && posts.push(r.url())));
    await scanner.locator('button').first().click();
    expect(posts).toEqual([]);
    expect(await scanner.locator('select:invalid').count()).toBe(3);
    const supervisor = await browsers.newPage();
    await actFromEmail(
      supervisor,
      actionLinkIn(feedbackMail),
      async (p) => {
        await p.selectOption('#organisation', '5');
        await p.selectOption('#participation', '4');
        await p.selectOption('#effect', '5');
        await p.fill('#comment', '组织有序，家庭参与积极。');
      },
    );

    const page = await reloadUntil(coordinator, (c) => c.includes('进入阶段：已完成'), 30_000, 'the activity to complete');
    expect(page).toContain('7/7');
    expect(page).toContain('组织有序，家庭参与积极。');
    expect(page).toContain('签到</td><td class="num">10</td>');
  });

  it('the timeline shows the decision with who and when, and every email sent', async () => {
    const decision = coordinator.locator('li.decision', { hasText: '审批 #1：通过' });
    expect(await decision.count()).toBe(1);
    const text = (await decision.textContent()) ?? '';
    expect(text).toContain('李网格');
    expect(text).toContain('网格员');
    expect(text).toContain('方案很好，同意。');
    const at = Date.parse((await decision.locator('time').getAttribute('datetime')) ?? '');
    expect(Math.abs(at - approvedAt)).toBeLessThan(30_000);
    const shown = (await decision.locator('time').textContent()) ?? '';
    // The one date form: month, day, weekday in full-width brackets, 24-hour time (the year only in another year).
    expect(shown).toBe(formatDateTime(new Date(at).toISOString(), 'zh-CN'));
    expect(shown).toMatch(/^(\d{4}年)?\d{1,2}月\d{1,2}日（周[日一二三四五六]）\d{2}:\d{2}$/);

    const emails = (await coordinator.locator('li.email').allTextContents()).join('\n');
    for (const purpose of ['审批请求', '审批结果通知', '报名开放通知', '积分到账通知', '督导反馈请求']) expect(emails).toContain(purpose);
    // The coordinator may see addresses; recipient keys are always shown.
    expect(emails).toContain('staff:gw-east');
    await shoot(coordinator, 'activity-zh');
  });

  it('the dashboard, the leaderboard and the report read in Chinese and in English', async () => {
    await coordinator.goto(`${h.baseUrl}/dashboard`);
    expect(await heading(coordinator)).toBe('孵化周期与活动');
    expect(await coordinator.content()).toContain(title);
    await shoot(coordinator, 'dashboard-zh');

    await coordinator.goto(`${h.baseUrl}/dashboard/leaderboard`);
    expect(await heading(coordinator)).toBe('家庭积分榜');
    expect(await coordinator.locator('tbody tr', { hasText: '刘家' }).textContent()).toContain('10');
    await shoot(coordinator, 'leaderboard-zh');

    await coordinator.goto(`${h.baseUrl}/dashboard/cycles/${cycleId}/report`);
    expect(await heading(coordinator)).toBe('孵化周期报告：2025 邻里节孵化周期');
    const report = await coordinator.content();
    expect(report).toContain(title);
    expect(report).toContain('下载 CSV');
    await shoot(coordinator, 'report-zh');

    // Printed: the navigation is left out.
    await coordinator.emulateMedia({ media: 'print' });
    expect(await coordinator.locator('header.top').isVisible()).toBe(false);
    await shoot(coordinator, 'report-print');
    await coordinator.emulateMedia({ media: 'screen' });
    expect(await coordinator.locator('header.top').isVisible()).toBe(true);

    // English, remembered across pages.
    await coordinator.goto(`${h.baseUrl}/dashboard?lang=en`);
    expect(await heading(coordinator)).toBe('Incubation cycles and activities');
    await shoot(coordinator, 'dashboard-en');
    await coordinator.goto(`${h.baseUrl}/dashboard/activities/${activityId}`);
    expect(await coordinator.locator('h2', { hasText: 'Timeline' }).count()).toBe(1);
    expect(await coordinator.locator('li.decision', { hasText: 'Approval #1：approved' }).textContent()).toContain('李网格');
    await shoot(coordinator, 'activity-en');
    await coordinator.goto(`${h.baseUrl}/dashboard/cycles/${cycleId}/report`);
    expect(await heading(coordinator)).toBe('Incubation cycle report: 2025 邻里节孵化周期');
    await shoot(coordinator, 'report-en');
    await coordinator.goto(`${h.baseUrl}/dashboard?lang=zh-CN`);
    expect(await heading(coordinator)).toBe('孵化周期与活动');
  });

  it('reads on a phone', async () => {
    const phone = await browsers.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, storageState: await coordinator.context().storageState() });
    await phone.goto(`${h.baseUrl}/dashboard/activities/${activityId}`);
    expect(await heading(phone)).toBe(title);
    // Nothing but the tables' own scrolling areas is wider than the screen.
    const overflow = Number(await phone.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    await shoot(phone, 'activity-phone-zh');
  });
});
