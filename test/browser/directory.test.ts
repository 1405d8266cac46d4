/**
 * The directory in a real browser (Debian's Chromium through playwright-core) against the real app
 * and dev mailbox: a coordinator adds a grid worker from a page, who then signs in without a
 * restart; deactivates them, and they can no longer sign in (the page answers the same, no link is
 * sent); imports families from pasted CSV: a file with a bad row is refused with the row named
 * and nothing written (at preview and at import), then a good one is previewed (still nothing
 * written) and imported. Every directory page fits a phone and a desktop.
 */
import type { Page } from 'playwright-core';
import { STAFF, seenMail, signInLinkIn, signInMailTo, startDashboardHarness, unique, requestSignInLink, type DashboardHarness } from '../api/dashboard/harness';
import { browserSession, checkAtBothWidths, heading, signIn, type BrowserSession } from './browser';

jest.setTimeout(180_000);

let h: DashboardHarness;
let browsers: BrowserSession;

beforeAll(async () => {
  h = await startDashboardHarness({ worker: false });
  browsers = await browserSession();
});

afterAll(async () => {
  await browsers?.close();
  await h?.close();
});


async function submit(page: Page, button = 'main button[type="submit"]'): Promise<void> {
  await Promise.all([page.waitForLoadState('load'), page.locator(button).first().click()]);
}

const count = async (table: 'staff' | 'families') => (await h.db.selectFrom(table).select('id').execute()).length;

describe('a coordinator keeps the directory in the browser', () => {
  let coordinator: Page;
  const gwId = unique('gw-new');
  const gwEmail = `${gwId}@example.test`;

  it('signs in and opens the staff list from the navigation', async () => {
    coordinator = await browsers.newPage();
    await signIn(coordinator, h, STAFF.co.email);
    await Promise.all([coordinator.waitForLoadState('load'), coordinator.getByRole('link', { name: '名录' }).click()]);
    expect(await heading(coordinator)).toBe('名录管理');
    await checkAtBothWidths(coordinator, 'directory-index-zh', 5_000);
    await Promise.all([coordinator.waitForLoadState('load'), coordinator.getByRole('link', { name: '工作人员' }).click()]);
    expect(await heading(coordinator)).toBe('工作人员');
    expect(await coordinator.content()).toContain(STAFF.gw.name);
    await checkAtBothWidths(coordinator, 'directory-staff-zh');
  });

  it('adds a grid worker: a bad address is named beside its field in Chinese and nothing is saved; then it is saved', async () => {
    await Promise.all([coordinator.waitForLoadState('load'), coordinator.getByRole('link', { name: '新增工作人员' }).click()]);
    expect(await heading(coordinator)).toBe('新增工作人员');
    const before = await count('staff');
    await coordinator.fill('#f-id', gwId);
    await coordinator.fill('#f-name', '钱网格');
    await coordinator.selectOption('#f-role', 'gridWorker');
    await coordinator.selectOption('#f-compoundId', 'c-east');
    await coordinator.fill('#f-email', 'not-an-address');
    await submit(coordinator);
    expect(await coordinator.locator('#f-email-error').textContent()).toBe('请填写有效的电子邮箱');
    expect(await coordinator.locator('p.error').textContent()).toBe('有字段需要修改，什么都没有保存。');
    expect(await count('staff')).toBe(before);
    await checkAtBothWidths(coordinator, 'directory-staff-form-errors-zh', 5_000);

    await coordinator.fill('#f-email', gwEmail);
    await submit(coordinator);
    expect(await heading(coordinator)).toBe('工作人员');
    expect(await coordinator.locator('p.ok').textContent()).toBe('已保存：钱网格');
    expect(await count('staff')).toBe(before + 1);
    const row = await h.db.selectFrom('staff').selectAll().where('id', '=', gwId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ role: 'gridWorker', name: '钱网格', email: gwEmail, compound_id: 'c-east', deactivated_at: null });
  });

  let gridWorker: Page;

  it('the new grid worker signs in at once, without a restart', async () => {
    gridWorker = await browsers.newPage();
    await signIn(gridWorker, h, gwEmail);
    expect(await gridWorker.content()).toContain('钱网格');
  });

  it('deactivating them ends their session, and asking for a link again answers the same but sends nothing', async () => {
    await coordinator.goto(`${h.baseUrl}/dashboard/directory/staff?q=${encodeURIComponent('钱网格')}`);
    expect(await coordinator.locator('table.cards tbody tr').count()).toBe(1);
    await submit(coordinator, 'table.cards tbody tr button:has-text("停用")');
    expect(await coordinator.locator('p.ok').textContent()).toBe('已停用：钱网格');
    expect(await coordinator.locator('table.cards tbody tr:has-text("钱网格") .badge').textContent()).toBe('已停用');
    const row = await h.db.selectFrom('staff').select('deactivated_at').where('id', '=', gwId).executeTakeFirstOrThrow();
    expect(row.deactivated_at).not.toBeNull();
    expect(await h.db.selectFrom('sessions').select('id_hash').where('staff_id', '=', gwId).execute()).toEqual([]);

    // Their open session ended: the dashboard sends them to sign in.
    await gridWorker.goto(`${h.baseUrl}/dashboard`);
    expect(new URL(gridWorker.url()).pathname).toBe('/sign-in');
    expect(await heading(gridWorker)).toBe('工作人员登录');

    await gridWorker.goto(`${h.baseUrl}/sign-in`);
    await gridWorker.fill('#email', gwEmail);
    const seen = seenMail(h.mailbox);
    await submit(gridWorker);
    await gridWorker.getByRole('heading', { name: '请查收邮件' }).waitFor();
    // A sentinel: a link asked for afterwards has arrived, and none went to the deactivated address.
    await requestSignInLink(h, STAFF.su.email);
    expect(h.mailbox.messages().filter((m) => !seen.has(m.id) && m.to.includes(gwEmail))).toHaveLength(0);
  });

  it('a CSV with a bad row is refused naming the row, and nothing is written; a good one is previewed, then imported', async () => {
    await coordinator.goto(`${h.baseUrl}/dashboard/directory/families`);
    await Promise.all([coordinator.waitForLoadState('load'), coordinator.getByRole('link', { name: '导入 CSV' }).click()]);
    expect(await heading(coordinator)).toBe('导入家庭（CSV）');
    await checkAtBothWidths(coordinator, 'directory-import-zh', 5_000);
    const a = unique('fam-csv');
    const b = unique('fam-csv');
    const before = await count('families');

    await coordinator.fill('#csv', `id,compoundId,name,email,members\n${a},c-east,郑家,${a}@example.test,3\n${b},c-east,冯家,not-an-address,2\n`);
    await submit(coordinator);
    expect(await heading(coordinator)).toBe('导入家庭（CSV）');
    const bad = await coordinator.locator('ul.bad-rows li').allTextContents();
    expect(bad).toEqual([expect.stringMatching(/^第 3 行：电子邮箱（email）: /)]);
    expect(await count('families')).toBe(before);
    await checkAtBothWidths(coordinator, 'directory-import-refused-zh', 5_000);

    await coordinator.fill('#csv', `编号,所属小区,名称,电子邮箱,家庭人数\n${a},c-east,郑家,${a}@example.test,3\n${b},c-east,冯家,${b}@example.test,2\n`);
    await submit(coordinator);
    expect(await heading(coordinator)).toBe('导入预览');
    expect(await coordinator.locator('p.ok').textContent()).toBe('共 2 行可以导入：新增 2 条，更新 0 条。');
    expect(await coordinator.content()).toContain('冯家');
    // The preview wrote nothing.
    expect(await count('families')).toBe(before);
    await checkAtBothWidths(coordinator, 'directory-import-preview-zh', 5_000);

    await submit(coordinator, 'button:has-text("确认导入")');
    expect(await heading(coordinator)).toBe('家庭');
    expect(await coordinator.locator('p.ok').textContent()).toBe('已导入 2 行：新增 2 条，更新 0 条。');
    expect(await count('families')).toBe(before + 2);
    expect(await h.db.selectFrom('families').select(['name', 'members']).where('id', 'in', [a, b]).orderBy('name').execute()).toEqual([
      { name: '冯家', members: 2 },
      { name: '郑家', members: 3 },
    ]);
  });

  it('downloads the families as CSV with Chinese headers, and the pages read in English too', async () => {
    const csv = await coordinator.request.get(`${h.baseUrl}/dashboard/directory/families/csv`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toContain('text/csv');
    const [header] = (await csv.text()).replace(/^\uFEFF/, '').split('\r\n');
    expect(header).toBe('编号,名称,所属小区,家庭人数,电子邮箱,语言,qrToken');

    await coordinator.goto(`${h.baseUrl}/dashboard/directory/families?lang=en`);
    expect(await heading(coordinator)).toBe('Families');
    expect(await coordinator.content()).toContain('刘家');
    await checkAtBothWidths(coordinator, 'directory-families-en');
    await coordinator.goto(`${h.baseUrl}/dashboard/directory/merchants/new?lang=en`);
    expect(await heading(coordinator)).toBe('Add a merchant');
    await checkAtBothWidths(coordinator, 'directory-merchant-form-en', 5_000);
  });
});
