/**
 * No personal data in clear in Temporal history (issue 14, item 2): the product's every client
 * and worker encrypt payloads (lib/payload-codec.ts). One activity runs through the real API and
 * real links — a merchant accepts with a comment, a grid worker approves with one — and the raw
 * history bytes, as the Temporal server stores and shows them, are searched for the merchant's and
 * the grid worker's names and emails and both comments: none may appear. The same history still
 * replays with the codec, and the codec endpoint decodes it for a coordinator only.
 */
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { themedActivityWorkflowId } from '../../domain/activity';
import { encryptedDataConverter, payloadCodecFrom, ENCRYPTED_ENCODING } from '../../lib/payload-codec';
import { STAFF, api, eventually, linkIn, mailTo, merchantPlan, page, seedCycle, seedMerchant, startApiHarness, submit, unique, type ApiHarness } from '../api/harness';
import { workflowBundle } from '../support/temporal';
import { CookieJar, postForm, request, requestSignInLink } from '../api/dashboard/harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness({ worker: true });
});
afterAll(async () => {
  await h?.close();
});

test('the history holds ciphertext where names, emails and comments went, and still replays', async () => {
  const title = unique('亲子运动会');
  const merchantName = `${unique('锦华书店')}老板`;
  const merchant = await seedMerchant(h.db, { id: unique('m'), email: `${unique('owner')}@shop.example`, name: merchantName });
  const cycleId = unique('cycle');
  await seedCycle(h.db, cycleId);
  const started = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId, plan: merchantPlan(title, merchant) } });
  expect(started.status).toBe(201);
  const activityId = started.body.activityId as string;

  const merchantComment = unique('欢迎周末来');
  const venueLink = linkIn(await mailTo(h.mailbox, merchant.email, title));
  expect((await submit(venueLink, { choice: 'accept', comment: merchantComment }, { from: await page(venueLink) })).status).toBe(200);
  const approverComment = unique('注意消防通道');
  const approvalLink = linkIn(await mailTo(h.mailbox, STAFF.gw.email, title));
  expect((await submit(approvalLink, { choice: 'approve', comment: approverComment }, { from: await page(approvalLink) })).status).toBe(200);
  await eventually(async () => {
    const s = await api(h.baseUrl, 'GET', `/api/activities/${activityId}`, { who: 'co' });
    return s.body.stage === 'reminders' ? true : undefined;
  }, 20_000, 'the reminders stage');

  // The raw history, as stored: no decoding on this side.
  const workflowId = themedActivityWorkflowId(activityId);
  const raw = await h.client.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId } });
  const bytes = Buffer.from(temporal.api.history.v1.History.encode(raw.history!).finish());
  const clear = bytes.toString('utf8');
  for (const secret of [merchantName, merchant.email, STAFF.gw.name, STAFF.gw.email, STAFF.pm.email, merchantComment, approverComment]) {
    expect({ secret, found: clear.includes(secret) }).toEqual({ secret, found: false });
  }
  // It is encrypted, not merely absent: the payloads say so, and the title (not personal) is inside them too.
  expect(clear).toContain(ENCRYPTED_ENCODING);
  expect(clear).not.toContain(title);

  // The same history replays with the codec (what a new worker version would do).
  const dataConverter = encryptedDataConverter(payloadCodecFrom({ ...h.config.payloadKeys, dataDir: h.config.dataDir }));
  const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: workflowBundle(), dataConverter }, history, workflowId);

  // The Temporal UI's codec endpoint: nothing without a coordinator's session.
  const firstPayload = raw.history!.events!.find((e) => e.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  const asJson = { payloads: [{ metadata: Object.fromEntries(Object.entries(firstPayload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(firstPayload.data!).toString('base64') }] };
  const anonymous = await fetch(`${h.baseUrl}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(asJson) });
  expect(anonymous.status).toBe(401);
  const asStaff = async (email: string) => {
    const jar = new CookieJar();
    const link = await requestSignInLink(h, email, jar);
    const shown = await request(link, jar);
    expect((await postForm(link, jar, { csrf: shown.csrf ?? '' })).status).toBe(303);
    return fetch(`${h.baseUrl}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: jar.header() }, body: JSON.stringify(asJson) });
  };
  expect((await asStaff(STAFF.gw.email)).status).toBe(403);
  const decoded = await asStaff(STAFF.co.email);
  expect(decoded.status).toBe(200);
  const [plain] = ((await decoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
  expect(Buffer.from(plain!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
  expect(Buffer.from(plain!.data, 'base64').toString()).toContain(title);
});
