/**
 * Mail scanners (Defender Safe Links, Mimecast) open the links in an email, render the page and
 * sometimes press its first button. In a real browser (Debian's Chromium through playwright-core)
 * against the real app and workflows: a scanner that presses the first button, or submits the
 * first form as it is, decides nothing; a person who chooses an answer and sends it decides.
 * Proved by the workflow's status and the action audit table, never by waiting.
 */
import type { Page } from 'playwright-core';
import type { ActivityStatus } from '../../domain/activity';
import { STAFF, api, communityPlan, linkIn, mailTo, merchantPlan, seedCycle, seedMerchant, startApiHarness, unique, type ApiHarness } from '../api/harness';
import { browserSession, heading, type BrowserSession } from './browser';

jest.setTimeout(180_000);

let h: ApiHarness;
let browsers: BrowserSession;

beforeAll(async () => {
  h = await startApiHarness({ worker: true });
  browsers = await browserSession();
});

afterAll(async () => {
  await browsers?.close();
  await h?.close();
});


async function start(plan: unknown): Promise<string> {
  const cycleId = unique('cycle');
  await seedCycle(h.db, cycleId);
  const res = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId, plan } });
  expect(res.status).toBe(201);
  return res.body.activityId as string;
}

async function status(activityId: string): Promise<ActivityStatus> {
  const res = await api(h.baseUrl, 'GET', `/api/activities/${activityId}`, { who: 'co' });
  expect(res.status).toBe(200);
  return res.body as ActivityStatus;
}

/** The audit rows of the activity's links, as `outcome action`, sorted (rows of one millisecond have no order). */
async function audit(activityId: string): Promise<string[]> {
  const rows = await h.db
    .withTables<{ action_audit: { workflow_id: string; outcome: string; action: string } }>()
    .selectFrom('action_audit')
    .select(['outcome', 'action'])
    .where('workflow_id', '=', `themed-activity:${activityId}`)
    .execute();
  return rows.map((r) => `${r.outcome} ${r.action}`).sort();
}

/**
 * The scanner that presses the first button: the browser refuses to send a form whose required
 * choice is empty, so no POST leaves the page. Playwright's click waits for any navigation it
 * starts, so the POSTs seen when it returns are all there are.
 */
async function scannerClicksFirstButton(link: string): Promise<void> {
  const page = await browsers.newPage();
  await page.goto(link);
  const posts: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST') posts.push(r.url());
  });
  await page.locator('button').first().click();
  expect(posts).toEqual([]);
  expect(page.url()).toBe(link);
  expect(await page.locator('input[name="choice"]:invalid').count()).toBeGreaterThan(0);
}

/** The scanner that submits the first form as it is (form.submit() skips the browser's checks). */
async function scannerSubmitsFirstForm(link: string, named: string): Promise<void> {
  const page = await browsers.newPage();
  await page.goto(link);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.evaluate('document.forms[0].submit()'),
  ]);
  expect(response.status()).toBe(400);
  await page.waitForLoadState('load');
  expect(await heading(page)).toBe('请检查填写内容');
  expect(await page.locator('.error').textContent()).toContain(named);
}

/** A person opens the link, chooses `choice` and sends it. */
async function personChooses(link: string, choice: string): Promise<void> {
  const page = await browsers.newPage();
  await page.goto(link);
  await page.check(`input[name="choice"][value="${choice}"]`);
  await Promise.all([page.waitForLoadState('load'), page.locator('button[type="submit"]').click()]);
  await page.getByRole('heading', { name: '提交成功' }).waitFor({ timeout: 15_000 });
}

test('a scanner that presses the first button or submits the approval form approves nothing; a grid worker who chooses “approve” approves', async () => {
  const title = unique('邻里读书会');
  const activityId = await start(communityPlan(title));
  const link = linkIn(await mailTo(h.mailbox, STAFF.gw.email, title));

  await scannerClicksFirstButton(link);
  await scannerSubmitsFirstForm(link, '请先选择一项（通过、不通过、退回修改）');
  const untouched = await status(activityId);
  expect(untouched.stage).toBe('approval');
  expect(untouched.decisions.filter((d) => d.kind === 'approval')).toEqual([]);
  // The click sent nothing at all; the submitted form is on record as refused.
  expect(await audit(activityId)).toEqual(['invalid (none)']);

  await personChooses(link, 'approve');
  const decided = await status(activityId);
  expect(decided.decisions.filter((d) => d.kind === 'approval')).toEqual([
    expect.objectContaining({ round: 1, outcome: 'approve', by: expect.objectContaining({ id: STAFF.gw.id }) }),
  ]);
  expect(await audit(activityId)).toEqual(['invalid (none)', 'recorded approve']);
});

test('a scanner on the merchant’s venue request accepts nothing; the merchant who chooses “accept” accepts', async () => {
  const title = unique('亲子市集');
  const merchant = await seedMerchant(h.db, { id: unique('m'), email: `${unique('merchant')}@example.test` });
  const activityId = await start(merchantPlan(title, merchant));
  const link = linkIn(await mailTo(h.mailbox, merchant.email, title));

  await scannerClicksFirstButton(link);
  await scannerSubmitsFirstForm(link, '请先选择一项（同意借用、暂不方便）');
  const untouched = await status(activityId);
  expect(untouched.stage).toBe('venueRequest');
  expect(untouched.decisions.filter((d) => d.kind === 'merchantAnswer')).toEqual([]);
  expect(await audit(activityId)).toEqual(['invalid (none)']);

  await personChooses(link, 'accept');
  const answered = await status(activityId);
  expect(answered.decisions.filter((d) => d.kind === 'merchantAnswer')).toEqual([expect.objectContaining({ outcome: 'accept' })]);
  expect(answered.venue?.venueName).toBe('万达广场中庭');
  expect(await audit(activityId)).toEqual(['invalid (none)', 'recorded accept']);
});
