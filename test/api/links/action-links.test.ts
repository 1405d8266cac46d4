/**
 * End to end through real HTTP: the API starts real workflows on the shared dev server, the real
 * activities email the dev mailbox, and the links in those emails drive the workflow.
 */
import { signActionToken, type ActionTokenClaims } from '../../../links/action-token';
import type { ActivityStatus } from '../../../domain/activity';
import {
  DAY,
  LINK_SECRET,
  STAFF,
  api,
  communityPlan,
  eventually,
  linkIn,
  mailTo,
  merchantPlan,
  page,
  seedCycle,
  seedMerchant,
  startApiHarness,
  submit,
  unique,
  type ApiHarness,
} from '../harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ worker: true });
});

afterAll(async () => {
  await h?.close();
});

async function status(activityId: string): Promise<ActivityStatus> {
  const res = await api(h.baseUrl, 'GET', `/api/activities/${activityId}`, { who: 'co' });
  expect(res.status).toBe(200);
  return res.body as ActivityStatus;
}

async function start(body: { cycleId: string; plan: unknown }, who: 'pm' | 'co' = 'pm'): Promise<string> {
  await seedCycle(h.db, body.cycleId);
  const res = await api(h.baseUrl, 'POST', '/api/activities', { who, body });
  expect(res.status).toBe(201);
  return res.body.activityId as string;
}

function claimsOf(link: string): ActionTokenClaims {
  const token = link.slice(link.lastIndexOf('/a/') + 3);
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as ActionTokenClaims;
}

async function auditRows(workflowId: string) {
  return h.db
    .withTables<{ action_audit: { workflow_id: string; outcome: string; action: string; recipient_key: string; ip: string | null; user_agent: string | null; comment: string; created_at: string } }>()
    .selectFrom('action_audit')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .orderBy('created_at')
    .execute();
}

test('a merchant venue request and a grid worker approval act only on a form POST, and a second POST shows what was recorded', async () => {
  const title = unique('亲子运动会');
  const merchant = await seedMerchant(h.db, { id: unique('m'), email: `${unique('merchant')}@example.test` });
  const cycleId = unique('cycle');
  const startBody = { cycleId, plan: merchantPlan(title, merchant) };
  const activityId = await start(startBody);

  // The merchant's email arrives; opening its link shows the ask and changes nothing.
  const venueMail = await mailTo(h.mailbox, merchant.email, title);
  const venueLink = linkIn(venueMail);
  const before = await status(activityId);
  expect(before.stage).toBe('venueRequest');
  const shown = await page(venueLink);
  expect(shown.status).toBe(200);
  expect(shown.text).toContain(title);
  expect(shown.text).toContain('万达广场中庭');
  expect(shown.text).toContain('<form method="post"');
  expect(shown.text).not.toContain('<script');
  expect(shown.headers.get('referrer-policy')).toBe('no-referrer');
  expect(shown.headers.get('cache-control')).toBe('no-store');
  expect(shown.cookie).toMatch(/^a_csrf=/);
  expect(shown.headers.getSetCookie()[0]).toMatch(/HttpOnly/i);
  expect(shown.headers.getSetCookie()[0]).toMatch(/SameSite=Strict/i);
  const head = await fetch(venueLink, { method: 'HEAD' });
  expect(head.status).toBe(200);
  const afterGet = await status(activityId);
  expect(afterGet.stage).toBe('venueRequest');
  expect(afterGet.decisions).toHaveLength(before.decisions.length);

  // A POST without the page's CSRF pair, or from another site, is refused and changes nothing.
  const noCsrf = await submit(venueLink, { choice: 'accept' }, { from: { ...shown, cookie: undefined } });
  expect(noCsrf.status).toBe(403);
  const crossSite = await submit(venueLink, { choice: 'accept' }, { from: shown, headers: { origin: 'https://evil.example' } });
  expect(crossSite.status).toBe(403);
  expect((await status(activityId)).decisions).toHaveLength(before.decisions.length);

  // The POST accepts; the workflow moves on and the grid worker is asked.
  const accepted = await submit(venueLink, { choice: 'accept', comment: '欢迎' }, { from: shown });
  expect(accepted.status).toBe(200);
  expect(accepted.text).toContain('已记录：同意借用');
  expect(accepted.text).toContain('万达广场');

  const approvalMail = await mailTo(h.mailbox, STAFF.gw.email, title);
  const approvalLink = linkIn(approvalMail);
  const atApproval = await status(activityId);
  expect(atApproval.stage).toBe('approval');
  expect(atApproval.venue?.venueName).toBe('万达广场中庭');

  // Opening the approval link alone changes nothing; it shows the plan.
  const approvalPage = await page(approvalLink);
  expect(approvalPage.status).toBe(200);
  expect(approvalPage.text).toContain('人数上限');
  expect(approvalPage.text).toContain('亲子运动会，欢迎全家参加。');
  expect(approvalPage.text).toContain('value="approve"');
  const stillAtApproval = await status(activityId);
  expect(stillAtApproval.stage).toBe('approval');
  expect(stillAtApproval.decisions.filter((d) => d.kind === 'approval')).toHaveLength(0);

  const approved = await submit(approvalLink, { choice: 'approve' }, { from: approvalPage });
  expect(approved.status).toBe(200);
  expect(approved.text).toContain('已记录：通过');
  expect(approved.text).toContain(STAFF.gw.name);
  const atReminders = await eventually(async () => {
    const s = await status(activityId);
    return s.stage === 'reminders' ? s : undefined;
  }, 20_000, 'the reminders stage');

  // Approved: the check-in window is recorded with the activity, so the door opens by it even while no worker runs.
  const row = await h.db.selectFrom('activities').select(['attendance_state', 'attendance_opens_at', 'attendance_closes_at', 'starts_at', 'ends_at']).where('id', '=', activityId).executeTakeFirstOrThrow();
  expect(row.attendance_state).toBe('notOpen');
  expect(Date.parse(row.attendance_opens_at!)).toBe(Date.parse(row.starts_at) - h.config.timings.attendanceOpensBeforeMs);
  expect(Date.parse(row.attendance_closes_at!)).toBe(Date.parse(row.ends_at) + h.config.timings.attendanceClosesAfterMs);

  // A second POST shows the recorded decision; nothing new is recorded.
  const again = await submit(approvalLink, { choice: 'reject', comment: '再想想' }, { from: approvalPage });
  expect(again.status).toBe(200);
  expect(again.text).toContain('已记录：通过');
  expect(again.text).toContain(STAFF.gw.name);
  const afterAgain = await status(activityId);
  expect(afterAgain.decisions).toHaveLength(atReminders.decisions.length);
  expect(afterAgain.decisions.filter((d) => d.kind === 'approval')).toEqual([
    expect.objectContaining({ round: 1, outcome: 'approve', by: { id: STAFF.gw.id, name: STAFF.gw.name, role: 'gridWorker' } }),
  ]);

  // The status endpoint shows each step.
  expect(afterAgain.stages.map((s) => s.stage)).toEqual(['planning', 'venueRequest', 'approval', 'reminders']);
  expect(afterAgain.decisions.map((d) => d.kind)).toEqual(['planSubmitted', 'merchantAnswer', 'approval']);
  expect(afterAgain.decisions[1]).toMatchObject({ outcome: 'accept', by: { id: merchant.id, role: 'merchant' }, comment: '欢迎' });

  // Every decision POST is in the audit trail, with who, the IP and the user agent.
  const rows = await auditRows(`themed-activity:${activityId}`);
  expect(rows.map((r) => r.outcome).sort()).toEqual(['alreadyDecided', 'invalid', 'invalid', 'recorded', 'recorded']);
  const recorded = rows.filter((r) => r.outcome === 'recorded');
  expect(recorded).toEqual([
    expect.objectContaining({ action: 'accept', recipient_key: `merchant:${merchant.id}`, comment: '欢迎' }),
    expect.objectContaining({ action: 'approve', recipient_key: `staff:${STAFF.gw.id}` }),
  ]);
  expect(recorded[1]?.ip).toBeTruthy();
  expect(recorded[1]?.user_agent).toBeTruthy();

  // A reschedule through the API sends a change notice to those already told.
  const newStart = new Date(Date.parse(afterAgain.plan.startsAt) + 2 * DAY);
  const moved = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/reschedule`, {
    who: 'pm',
    body: { startsAt: newStart.toISOString(), endsAt: new Date(newStart.getTime() + 2 * 3_600_000).toISOString(), reason: '场地维修' },
  });
  expect(moved.status).toBe(200);
  expect(moved.body.plan.startsAt).toBe(newStart.toISOString());
  const notice = await mailTo(h.mailbox, STAFF.gw.email, `活动时间变更：${title}`);
  expect(notice.text).toContain('场地维修');
  await mailTo(h.mailbox, merchant.email, `活动时间变更：${title}`);

  // Starting the same activity again returns the existing one.
  const duplicate = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: startBody });
  expect(duplicate.status).toBe(200);
  expect(duplicate.body).toMatchObject({ activityId, existing: true, workflowId: `themed-activity:${activityId}` });

  // The list finds it by its search attributes (visibility is eventually consistent).
  const listed = await eventually(async () => {
    const res = await api(h.baseUrl, 'GET', `/api/activities?cycleId=${cycleId}&stage=reminders`, { who: 'gw' });
    expect(res.status).toBe(200);
    return res.body.activities.length === 1 ? res.body.activities[0] : undefined;
  }, 20_000, 'the activity in the list');
  expect(listed).toMatchObject({ activityId, stage: 'reminders', cycleId, compound: 'c-east', startsAt: newStart.toISOString(), executionStatus: 'RUNNING' });
  expect(h.logs.filter((l) => l.level === 'error')).toEqual([]);
});

test('a decision POST without a choice, or with only the old button field, gets a 400 page naming the choices and decides nothing', async () => {
  const title = unique('垃圾分类');
  const activityId = await start({ cycleId: unique('cycle'), plan: communityPlan(title) });
  const link = linkIn(await mailTo(h.mailbox, STAFF.gw.email, title));
  const shown = await page(link);
  // The choice is a required radio with none checked beforehand, and there is one submit button.
  expect(shown.text).toMatch(/<input type="radio" name="choice" value="approve" required>/);
  expect(shown.text).not.toMatch(/name="choice"[^>]*checked/);
  expect(shown.text.match(/<button/g)).toHaveLength(1);

  const none = await submit(link, { comment: '' }, { from: shown });
  expect(none.status).toBe(400);
  expect(none.text).toContain('请先选择一项（通过、不通过、退回修改）');
  const oldButton = await submit(link, { action: 'approve' }, { from: shown });
  expect(oldButton.status).toBe(400);
  const english = await submit(`${link}?lang=en`, {}, { from: shown });
  expect(english.text).toContain('Please choose one of: Approve, Reject, Request changes');
  const bogus = await submit(link, { choice: 'accept' }, { from: shown });
  expect(bogus.status).toBe(400);

  const s = await status(activityId);
  expect(s.stage).toBe('approval');
  expect(s.decisions.filter((d) => d.kind === 'approval')).toHaveLength(0);
  const audit = await auditRows(`themed-activity:${activityId}`);
  // Rows written within one millisecond have no order: compare them sorted.
  expect(audit.map((r) => `${r.outcome} ${r.action}`).sort()).toEqual(['invalid (none)', 'invalid (none)', 'invalid (none)', 'invalid accept']);

  // The person's choice, made after all that, is the one recorded.
  const approved = await submit(link, { choice: 'approve' }, { from: shown });
  expect(approved.status).toBe(200);
  expect(approved.text).toContain('已记录：通过');
});

test('a link from an earlier approval round shows that the step is closed', async () => {
  const title = unique('楼道美化');
  const plan = communityPlan(title);
  // A coordinator starts it; the property manager comes from the directory.
  const activityId = await start({ cycleId: unique('cycle'), plan }, 'co');
  const first = await mailTo(h.mailbox, STAFF.gw.email, title);
  const round1 = linkIn(first);
  expect(claimsOf(round1)).toMatchObject({ step: 'approval', round: 1, rcp: `staff:${STAFF.gw.id}` });
  const round1Page = await page(round1);

  // Asking for changes without a reason is refused on the page, and nothing is recorded.
  const noReason = await submit(round1, { choice: 'requestChanges', comment: '' }, { from: round1Page });
  expect(noReason.status).toBe(400);
  expect(noReason.text).toContain('请写明理由');
  expect((await status(activityId)).decisions.filter((d) => d.kind === 'approval')).toHaveLength(0);

  const sentBack = await submit(round1, { choice: 'requestChanges', comment: '请补充安全预案' }, { from: round1Page });
  expect(sentBack.status).toBe(200);
  expect(sentBack.text).toContain('已记录：退回修改');

  const revised = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/plan`, {
    who: 'pm',
    body: { plan: { ...plan, description: '亲子运动会；已补充安全预案。' } },
  });
  expect(revised.status).toBe(200);
  expect(revised.body.planVersion).toBe(2);

  const second = await mailTo(h.mailbox, STAFF.gw.email, `${title}（第2轮）`);
  expect(claimsOf(linkIn(second))).toMatchObject({ round: 2 });

  const stale = await page(round1);
  expect(stale.status).toBe(409);
  expect(stale.text).toContain('此步骤已结束');
  const stalePost = await submit(round1, { choice: 'approve' }, { from: round1Page });
  expect(stalePost.status).toBe(409);
  expect(stalePost.text).toContain('此步骤已结束');
  const s = await status(activityId);
  expect(s.approvalRound).toBe(2);
  expect(s.decisions.filter((d) => d.kind === 'approval')).toHaveLength(1);
  expect((await auditRows(`themed-activity:${activityId}`)).map((r) => r.outcome).sort()).toEqual(['invalid', 'recorded', 'stepClosed']);

  // The new round's link still works, in English too.
  const round2Page = await page(`${linkIn(second)}?lang=en`);
  expect(round2Page.status).toBe(200);
  expect(round2Page.text).toContain('Activity plan approval');
  expect(round2Page.text).toContain('<html lang="en"');
});

test('tampered and malformed links get a 400 page, an unknown workflow 404, an oversize form 413, and change nothing', async () => {
  const title = unique('心理减压工作坊');
  const activityId = await start({ cycleId: unique('cycle'), plan: communityPlan(title) });
  const link = linkIn(await mailTo(h.mailbox, STAFF.gw.email, title));
  const [prefix, token] = [link.slice(0, link.lastIndexOf('/a/') + 3), link.slice(link.lastIndexOf('/a/') + 3)];
  const [payload, signature] = token.split('.') as [string, string];

  const forged = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')), round: 2 }),
    'utf8',
  ).toString('base64url');
  const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
  for (const bad of [`${forged}.${signature}`, `${payload}.${flipped}`, 'not-a-token', `${payload}.`]) {
    const res = await page(`${prefix}${bad}`);
    expect(res.status).toBe(400);
    expect(res.text).toContain('链接无效');
    const posted = await page(`${prefix}${bad}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'choice=approve',
    });
    expect(posted.status).toBe(400);
  }

  const unknown = signActionToken(
    { v: 1, wf: 'themed-activity:no-such-activity', step: 'approval', round: 1, rcp: `staff:${STAFF.gw.id}`, act: ['approve'], exp: Math.floor(Date.now() / 1000) + 3600 },
    LINK_SECRET,
  );
  const notFound = await page(`${prefix}${unknown}`, { headers: { 'accept-language': 'en-US,en;q=0.9' } });
  expect(notFound.status).toBe(404);
  expect(notFound.text).toContain('Activity not found');

  // A form far over the size limit gets a 413 page (not JSON), and nothing happens.
  const shown = await page(link);
  const huge = await submit(link, { choice: 'reject', comment: '长'.repeat(30_000) }, { from: shown });
  expect(huge.status).toBe(413);
  expect(huge.headers.get('content-type')).toContain('text/html');
  expect(huge.text).toContain('提交内容过长');

  const s = await status(activityId);
  expect(s.stage).toBe('approval');
  expect(s.decisions.filter((d) => d.kind === 'approval')).toHaveLength(0);
});

test('an expired link gets a 410 page, and a fresh link goes only to the address on file', async () => {
  const title = unique('成长合伙人');
  const activityId = await start({ cycleId: unique('cycle'), plan: communityPlan(title) });
  // A second activity whose still-open step gives the sentinel refresh at the end.
  const sentinelTitle = unique('哨兵活动');
  await start({ cycleId: unique('cycle'), plan: communityPlan(sentinelTitle) });
  const original = linkIn(await mailTo(h.mailbox, STAFF.gw.email, title));
  const claims = claimsOf(original);
  const base = original.slice(0, original.lastIndexOf('/a/') + 3);
  const expiredLink = (link: string) => `${base}${signActionToken({ ...claimsOf(link), exp: Math.floor(Date.now() / 1000) - 60 }, LINK_SECRET)}`;
  const expired = expiredLink(original);

  const gone = await page(expired);
  expect(gone.status).toBe(410);
  expect(gone.text).toContain('链接已过期');
  expect(gone.text).toContain('/refresh');
  const goneAction = await submit(expired, { choice: 'approve' }, { from: gone });
  expect(goneAction.status).toBe(410);
  expect((await status(activityId)).decisions.filter((d) => d.kind === 'approval')).toHaveLength(0);

  // The request names another address: it is ignored.
  const attacker = `${unique('attacker')}@evil.example.test`;
  const refreshed = await submit(`${expired}/refresh`, { email: attacker }, { from: gone });
  expect(refreshed.status).toBe(200);
  expect(refreshed.text).toContain('请求已收到');
  const fresh = await h.mailbox.waitFor(
    (m) => m.to.includes(STAFF.gw.email) && m.subject.includes(title) && linkIn(m) !== original,
    20_000,
  );
  expect(fresh.to).toEqual([STAFF.gw.email]);
  const freshPage = await page(linkIn(fresh));
  expect(freshPage.status).toBe(200);
  expect(freshPage.text).toContain('value="approve"');
  expect(h.mailbox.messages().some((m) => m.to.includes(attacker))).toBe(false);

  // Once the step has an answer, a refresh answers the same and sends nothing.
  expect((await submit(linkIn(fresh), { choice: 'approve' }, { from: freshPage })).status).toBe(200);
  const count = h.mailbox.messages().filter((m) => m.to.includes(STAFF.gw.email) && m.subject.includes(title)).length;
  const gone2 = await page(expired);
  const again = await submit(`${expired}/refresh`, {}, { from: gone2 });
  expect(again.status).toBe(refreshed.status);
  expect(again.text).toBe(refreshed.text);
  // The sentinel: a refresh asked for after that one, through the same path (the workflow's
  // status, then the mailer), for the other activity's open step. When its fresh link has
  // arrived, the answered step's refresh decided long before and had sent nothing.
  const sentinelOriginal = linkIn(await mailTo(h.mailbox, STAFF.gw.email, sentinelTitle));
  const sentinelExpired = expiredLink(sentinelOriginal);
  const sentinelPage = await page(sentinelExpired);
  expect(sentinelPage.status).toBe(410);
  expect((await submit(`${sentinelExpired}/refresh`, {}, { from: sentinelPage })).status).toBe(200);
  await h.mailbox.waitFor((m) => m.to.includes(STAFF.gw.email) && m.subject.includes(sentinelTitle) && linkIn(m) !== sentinelOriginal, 20_000);
  expect(h.mailbox.messages().filter((m) => m.to.includes(STAFF.gw.email) && m.subject.includes(title)).length).toBe(count);
});

test('a cancelled activity closes its open links', async () => {
  const title = unique('邻里节');
  const activityId = await start({ cycleId: unique('cycle'), plan: communityPlan(title) });
  const link = linkIn(await mailTo(h.mailbox, STAFF.gw.email, title));
  const noReason = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/cancel`, { who: 'co', body: { reason: '' } });
  expect(noReason.status).toBe(400);
  expect(noReason.body.error.details).toEqual([expect.objectContaining({ field: 'reason' })]);
  const cancelled = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/cancel`, { who: 'co', body: { reason: '天气原因' } });
  expect(cancelled.status).toBe(200);
  expect(cancelled.body).toMatchObject({ kind: 'cancelled', by: { id: STAFF.co.id, role: 'coordinator' } });
  const twice = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/cancel`, { who: 'co', body: { reason: '天气原因' } });
  expect(twice.status).toBe(409);
  expect(twice.body.error.code).toBe('AlreadyDecided');
  await eventually(async () => ((await status(activityId)).stage === 'cancelled' ? true : undefined), 20_000, 'cancelled');
  const closed = await page(link);
  expect(closed.status).toBe(409);
  expect(closed.text).toContain('已取消');
});

test('the coordinator decides an approval in place of the grid worker, once', async () => {
  const title = unique('代为审批');
  const activityId = await start({ cycleId: unique('cycle'), plan: communityPlan(title) });
  await mailTo(h.mailbox, STAFF.gw.email, title);
  const wrongRound = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/approval`, { who: 'co', body: { round: 2, decision: 'approve' } });
  expect(wrongRound.status).toBe(409);
  expect(wrongRound.body.error.code).toBe('StepClosed');
  const decided = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/approval`, { who: 'co', body: { round: 1, decision: 'approve', comment: '网格员休假' } });
  expect(decided.status).toBe(200);
  expect(decided.body).toMatchObject({ kind: 'approval', outcome: 'approve', by: { id: STAFF.co.id, role: 'coordinator' } });
  const again = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/approval`, { who: 'co', body: { round: 1, decision: 'reject', comment: '不行' } });
  expect(again.status).toBe(409);
  expect(again.body.error).toMatchObject({ code: 'AlreadyDecided', details: expect.objectContaining({ outcome: 'approve' }) });
  // A revision after approval is closed; the venue can only be assigned during a venue request.
  const late = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/plan`, { who: 'pm', body: { plan: communityPlan(title) } });
  expect(late.status).toBe(409);
  const venue = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/venue`, { who: 'co', body: { venueName: '社区礼堂', hours: 2 } });
  expect(venue.status).toBe(409);
});

test('action-link pages are rate-limited per client address', async () => {
  const limited = await h.startExtraApp({ linkRateLimit: { capacity: 3, perMinute: 1 } });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await page(`${limited.baseUrl}/a/not-a-token`)).status);
    expect(statuses).toEqual([400, 400, 400, 429, 429]);
    const res = await page(`${limited.baseUrl}/a/not-a-token`);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.text).toContain('请求过于频繁');
  } finally {
    await limited.close();
  }
});
