/**
 * The year report's pages over real HTTP (the app in-process, a real dev mailbox for sign-in):
 * the figures of a seeded year, each a link to its records; the charts' bars; the records pages;
 * the CSV of totals; a bad period named; who may see it; and the PDF route answering 503 naming
 * a missing browser. Printing a real PDF is the browser test's (test/browser/year-report.test.ts).
 */
import { parseCsv } from '../../../lib/csv';
import { beijingYearOf } from '../../../domain/year-report';
import { CookieJar, request, signIn, startDashboardHarness, type DashboardHarness } from '../dashboard/harness';
import { YEAR_ACTIVITY_TITLES, YEAR_FIGURES, seedYear } from '../../reports/year-fixture';

jest.setTimeout(60_000);

let h: DashboardHarness;
let co: CookieJar;
const year = beijingYearOf(Date.now());
const base = () => `${h.baseUrl}/dashboard/reports/year`;

beforeAll(async () => {
  h = await startDashboardHarness({ worker: false });
  await seedYear(h.db, year);
  co = await signIn(h, 'co');
});

afterAll(async () => {
  await h?.close();
});

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;
/** The SVG chart with this id. */
const chart = (text: string, id: string) => new RegExp(`<figure class="chart" id="${id}">[\\s\\S]*?</figure>`).exec(text)?.[0] ?? '';

describe('the year report page', () => {
  it('is linked from the coordinator’s dashboard, and shows this calendar year by default', async () => {
    const home = await request(`${h.baseUrl}/dashboard`, co);
    expect(home.text).toContain('href="/dashboard/reports/year"');
    const page = await request(base(), co);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<h1>${year} 年度报告</h1>`);
    expect(page.text).toContain(`value="${year}-01-01"`);
    expect(page.text).toContain(`value="${year}-12-31"`);
  });

  it('shows the year’s figures counted once over both overlapping cycles, each linked to its records', async () => {
    const page = (await request(`${base()}?from=${year}-01-01&to=${year}-12-31`, co)).text;
    const fig = (figure: string, value: string, label: string) =>
      expect(page).toContain(`<a class="fig" href="/dashboard/reports/year/records/${figure}?from=${year}-01-01&amp;to=${year}-12-31"><div class="v">${value}</div><div class="k">${label}</div></a>`);
    fig('activities', String(YEAR_FIGURES.held), '举办的主题活动');
    fig('activities', String(YEAR_FIGURES.averageParticipants), '场均参与人数');
    fig('families-rewarded', String(YEAR_FIGURES.familiesRewarded), '获得积分奖励的家庭');
    fig('merchants', String(YEAR_FIGURES.merchants), '参与的企业和商户');
    fig('venues', String(YEAR_FIGURES.venues), '商户提供场地');
    fig('venues', String(YEAR_FIGURES.venueHours), '场地使用时长（小时）');
    fig('sponsorships', '¥800.5', '资金赞助');
    fig('volunteers', String(YEAR_FIGURES.volunteerPersonTimes), '志愿服务人次');
    fig('volunteers', String(YEAR_FIGURES.volunteerHours), '志愿服务时长（小时）');
    fig('professionals', String(YEAR_FIGURES.professionalPersonTimes), '专业志愿者服务人次');
    fig('points-redeemed', String(YEAR_FIGURES.pointsRedeemed), '兑换成长积分');
    // Not recorded by the product: said so, and nothing to link to.
    expect(page).toContain('<div class="fig"><div class="v">未记录</div><div class="k">家庭咨询</div></div>');
    // The cycles, each linked to its own report; the outcome section's place.
    expect(page).toContain(`<a href="/dashboard/cycles/yr-a/report">${year} 第一期孵化周期</a>`);
    expect(page).toContain(`<a href="/dashboard/cycles/yr-b/report">${year} 第二期孵化周期</a>`);
    expect(page).toContain('本期间暂无问卷结果。');
    expect(page).not.toMatch(/<script/i);
  });

  it('draws a bar per activity linking to it, and two bars a month linking to that month’s ledger entries', async () => {
    const page = (await request(base(), co)).text;
    const participants = chart(page, 'chart-participants');
    expect(count(participants, /<rect class="bar/g)).toBe(YEAR_FIGURES.held);
    for (const [i, title] of YEAR_ACTIVITY_TITLES.entries()) {
      expect(participants).toContain(`<a href="/dashboard/activities/yr-a${i + 1}">`);
      expect(participants).toContain(`>${title}</text>`);
      expect(participants).toMatch(new RegExp(`<text class="value"[^>]*>${YEAR_FIGURES.participants[i]}</text>`));
    }
    const points = chart(page, 'chart-points');
    expect(count(points, /<rect class="bar/g)).toBe(24);
    expect(points).toContain(`href="/dashboard/reports/year/records/points-redeemed?from=${year}-01-01&amp;to=${year}-12-31&amp;month=${year}-05"`);
    expect(points).toContain(`>${year}年5月</text>`);
  });

  it('lists the records behind a figure by name, and a month’s ledger entries behind its bar', async () => {
    const q = `from=${year}-01-01&to=${year}-12-31`;
    const families = (await request(`${base()}/records/families-rewarded?${q}`, co)).text;
    for (const name of ['刘家', '孙家', '吴家']) expect(families).toContain(`>${name}</a>`);
    const may = (await request(`${base()}/records/points-redeemed?${q}&month=${year}-05`, co)).text;
    expect(may).toContain('依据记录：兑换成长积分 · ');
    expect(may).toContain('>刘家</a>');
    expect(may).not.toContain('>孙家</a>');
    const pros = (await request(`${base()}/records/professionals?${q}`, co)).text;
    expect(pros).toContain('>何老师</a>');
    expect(pros).toContain('家庭教育指导师');
    expect(pros).not.toContain('>周志愿</a>');
    const venues = (await request(`${base()}/records/venues?${q}`, co)).text;
    expect(venues).toContain('万达三楼');
    expect(venues).toContain(`>${YEAR_ACTIVITY_TITLES[1]}</a>`);
    expect((await request(`${base()}/records/nothing?${q}`, co)).status).toBe(404);
  });

  it('downloads its totals as CSV, with no person’s name', async () => {
    const res = await request(`${base()}/csv/summary?from=${year}-01-01&to=${year}-12-31`, co);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const [header, ...rows] = parseCsv(res.text.replace(/^\uFEFF/, ''));
    expect(header?.fields).toEqual(['指标', '代码', '数值']);
    const value = (key: string) => rows.find((r) => r.fields[1] === key)?.fields[2];
    expect(value('held')).toBe('3');
    expect(value('familiesRewarded')).toBe('3');
    expect(value('merchants')).toBe('2');
    expect(value('sponsorship')).toBe('800.5');
    expect(value('consultations')).toBe('未记录');
    const activities = await request(`${base()}/csv/activities?from=${year}-01-01&to=${year}-12-31`, co);
    expect(activities.text).toContain(YEAR_ACTIVITY_TITLES[0]);
    for (const name of ['刘家', '孙家', '吴家', '何老师', '周志愿']) expect(activities.text + res.text).not.toContain(name);
  });

  it('draws the cycle report’s charts too: a bar per held activity of the cycle, two per month of its period, each linked to its records', async () => {
    const page = (await request(`${h.baseUrl}/dashboard/cycles/yr-a/report`, co)).text;
    const participants = chart(page, 'chart-participants');
    expect(count(participants, /<rect class="bar/g)).toBe(2);
    expect(participants).toContain('<a href="/dashboard/activities/yr-a1">');
    expect(participants).toContain('<a href="/dashboard/activities/yr-a3">');
    const points = chart(page, 'chart-points');
    // January to June: the cycle's months.
    expect(count(points, /<rect class="bar/g)).toBe(12);
    expect(points).toContain(`href="/dashboard/cycles/yr-a/report/points/redeemed?month=${year}-05"`);
    const may = (await request(`${h.baseUrl}/dashboard/cycles/yr-a/report/points/redeemed?month=${year}-05`, co)).text;
    expect(may).toContain('>刘家</a>');
    expect(may).not.toContain('>孙家</a>');
    const feb = (await request(`${h.baseUrl}/dashboard/cycles/yr-a/report/points/awarded?month=${year}-02`, co)).text;
    for (const name of ['刘家', '孙家', '何老师']) expect(feb).toContain(`>${name}</a>`);
    expect(feb).toContain(`>${YEAR_ACTIVITY_TITLES[0]}</a>`);
    expect((await request(`${h.baseUrl}/dashboard/cycles/yr-a/report/points/other?month=${year}-02`, co)).status).toBe(404);
    expect((await request(`${h.baseUrl}/dashboard/cycles/nope/report/points/awarded?month=${year}-02`, co)).status).toBe(404);
  });

  it('reads in English too, with the same figures', async () => {
    const page = (await request(`${base()}?lang=en`, co)).text;
    expect(page).toContain(`<h1>Year report ${year}</h1>`);
    expect(page).toContain('<div class="v">Not recorded</div><div class="k">Family consultations</div>');
    expect(page).toContain(`<div class="v">${YEAR_FIGURES.averageParticipants}</div><div class="k">Average participants per activity</div>`);
    expect(page).toContain(`>May ${year}</text>`);
    const csv = await request(`${base()}/csv/summary?lang=en`, co);
    expect(csv.text).toContain('Figure,Key,Value');
    // The choice is remembered: back to Chinese for the tests after this one.
    expect((await request(`${base()}?lang=zh-CN`, co)).text).toContain(`<h1>${year} 年度报告</h1>`);
  });

  it('names a bad period’s field and shows the form again', async () => {
    const bad = await request(`${base()}?from=${year}-02-30&to=${year}-03-01`, co);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('id="period-error"');
    expect(bad.text).toContain('开始日期：请填写有效的日期');
    const backwards = await request(`${base()}?from=${year}-05-01&to=${year}-04-01`, co);
    expect(backwards.status).toBe(400);
    expect(backwards.text).toContain('结束日期：');
  });

  it('is the coordinators’: a supervisor is refused, and nobody signed out sees it', async () => {
    const su = await signIn(h, 'su');
    expect((await request(base(), su)).status).toBe(403);
    expect((await request(`${base()}/csv/summary`, su)).status).toBe(403);
    expect((await request(`${base()}/pdf`, su)).status).toBe(403);
    const signedOut = await request(base(), new CookieJar());
    expect(signedOut.status).toBe(303);
    expect(signedOut.location).toContain('/sign-in');
  });

  it('answers 503 naming the missing browser when the PDF printer is not there', async () => {
    const extra = await h.startExtraApp({ config: { ...h.config, pdf: { chromiumPath: '/nonexistent/chromium' } } });
    try {
      const res = await request(`${extra.baseUrl}/dashboard/reports/year/pdf`, co);
      expect(res.status).toBe(503);
      expect(res.text).toContain('/nonexistent/chromium');
      expect(res.text).toContain('CHROMIUM_PATH');
      // The page itself still works on that app.
      expect((await request(`${extra.baseUrl}/dashboard/reports/year`, co)).status).toBe(200);
    } finally {
      await extra.close();
    }
  });
});
