/**
 * The year report in a real browser (Debian's Chromium through playwright-core) against the real
 * app and dev mailbox, on a year of records written through the real services
 * (test/reports/year-fixture.ts): a coordinator signs in, gives a volunteer a profession on the
 * directory page, opens the year report from the dashboard, sees its charts drawn with one bar
 * per activity and two per month, follows a bar and a figure to their records, and downloads the PDF: a real
 * PDF whose text (pdftotext, Debian's poppler-utils) holds the headline figures.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { beijingYearOf } from '../../domain/year-report';
import { STAFF, startDashboardHarness, type DashboardHarness } from '../api/dashboard/harness';
import { YEAR_ACTIVITY_TITLES, YEAR_FIGURES, seedYear } from '../reports/year-fixture';
import { browserSession, checkAtBothWidths, heading, signIn, type BrowserSession } from './browser';

jest.setTimeout(180_000);

let h: DashboardHarness;
let browsers: BrowserSession;
let coordinator: Page;
const year = beijingYearOf(Date.now());
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'year-report-pdf-'));

beforeAll(async () => {
  h = await startDashboardHarness({ worker: false });
  await seedYear(h.db, year);
  browsers = await browserSession();
});

afterAll(async () => {
  await browsers?.close();
  await h?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function follow(page: Page, link: Locator): Promise<void> {
  await Promise.all([page.waitForLoadState('load'), link.click()]);
}

describe('a coordinator reads the year report and downloads it as a PDF', () => {
  it('gives a volunteer a profession on the directory page', async () => {
    coordinator = await browsers.newPage();
    await signIn(coordinator, h, STAFF.co.email);
    await follow(coordinator, coordinator.getByRole('link', { name: '名录' }));
    await follow(coordinator, coordinator.getByRole('link', { name: '志愿者', exact: true }));
    expect(await coordinator.content()).toContain('家庭教育指导师');
    await follow(coordinator, coordinator.getByRole('link', { name: '周志愿' }).first());
    await coordinator.fill('#f-profession', '心理咨询师');
    await Promise.all([coordinator.waitForLoadState('load'), coordinator.locator('main button[type="submit"]').first().click()]);
    expect(await coordinator.locator('p.ok').textContent()).toBe('已保存：周志愿');
    expect(await coordinator.content()).toContain('心理咨询师');
    const row = await h.db.selectFrom('volunteers').select('profession').where('id', '=', 'yr-vn').executeTakeFirstOrThrow();
    expect(row.profession).toBe('心理咨询师');
  });

  it('opens the year report from the dashboard: its charts draw one bar per activity and two per month', async () => {
    await follow(coordinator, coordinator.getByRole('link', { name: '总览', exact: true }));
    await follow(coordinator, coordinator.getByRole('link', { name: '年度报告' }));
    expect(await heading(coordinator)).toBe(`${year} 年度报告`);
    expect(await coordinator.locator('#chart-participants svg rect.bar').count()).toBe(YEAR_FIGURES.held);
    expect(await coordinator.locator('#chart-points svg rect.bar').count()).toBe(24);
    // Drawn, not only present: the widest bar has width on screen, and each number is text.
    const widest = await coordinator.locator('#chart-participants svg rect.bar').nth(1).boundingBox();
    expect(widest?.width ?? 0).toBeGreaterThan(100);
    for (const n of YEAR_FIGURES.participants) expect(await coordinator.locator('#chart-participants svg text.value', { hasText: new RegExp(`^${n}$`) }).count()).toBe(1);
    // Both volunteers now count as professionals: 3 person-times by 2 people.
    expect(await coordinator.locator('a.fig', { hasText: '专业志愿者服务人次' }).locator('.v').textContent()).toBe('3');
    expect(await coordinator.locator('a.fig', { hasText: '专业志愿者人数' }).locator('.v').textContent()).toBe('2');
    await checkAtBothWidths(coordinator, 'year-report-zh', 40_000);
  });

  it('follows a month’s bar to the ledger entries behind it, and a figure to its records', async () => {
    // Each activity's bar links to its page (which reads the activity's workflow; none runs here).
    expect(await coordinator.locator('#chart-participants svg a').nth(1).getAttribute('href')).toBe('/dashboard/activities/yr-a2');
    await follow(coordinator, coordinator.locator(`#chart-points svg a[href$="points-redeemed?from=${year}-01-01&to=${year}-12-31&month=${year}-05"]`));
    expect(await heading(coordinator)).toBe(`依据记录：兑换成长积分 · ${year}年5月`);
    expect(await coordinator.locator('table.report tbody tr').count()).toBe(1);
    expect(await coordinator.locator('table.report tbody').textContent()).toContain('刘家');
    await coordinator.goBack();
    await follow(coordinator, coordinator.locator('a.fig', { hasText: '参与的企业和商户' }));
    expect(await heading(coordinator)).toBe('依据记录：参与的企业和商户');
    expect(await coordinator.content()).toContain('万达广场');
    expect(await coordinator.content()).toContain('西西弗书店');
    await checkAtBothWidths(coordinator, 'year-report-records-zh', 5_000);
    await follow(coordinator, coordinator.getByRole('link', { name: '返回报告' }));
  });

  it('downloads a PDF whose text holds the headline figures', async () => {
    const [download] = await Promise.all([coordinator.waitForEvent('download'), coordinator.getByRole('link', { name: '下载 PDF' }).click()]);
    const file = path.join(dir, 'year-report.pdf');
    await download.saveAs(file);
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain(`${year} 年度报告`);
    const line = (label: string) => text.split('\n').some((l) => l.includes(label));
    for (const label of ['举办的主题活动', '获得积分奖励的家庭', '参与的企业和商户', '商户提供场地', '资金赞助', '志愿服务人次', '家庭咨询']) expect(line(label)).toBe(true);
    expect(text).toContain('¥800.5');
    expect(text).toContain('未记录');
    expect(text).toContain(String(YEAR_FIGURES.averageParticipants));
    expect(text).toContain(YEAR_ACTIVITY_TITLES[0]);
    // Printed without the screen's controls.
    expect(text).not.toContain('下载 PDF');
  });
});
