/**
 * A venue's Wi-Fi is one address: 150 families checking in by their own links from it within one
 * minute are all let in, because the families' pages limit each link, not the address; one link
 * hammered is limited; and the per-address ceiling still stops a flood. Over real HTTP with the
 * default limits (config FAMILY_LINK_RATE_PER_MINUTE, FAMILY_PAGES_IP_RATE_PER_MINUTE), on SQLite.
 * The app's clock is held still, so every request falls in the same minute (no bucket refills).
 */
import { signSelfServiceLink } from '../../../api/family/links';
import { LINK_SECRET, page, startApiHarness, submit, unique, type ApiHarness, type PageResponse } from '../harness';
import { checkInRows, openWindow, seedActivity, seedFamily } from '../people-fixtures';

let h: ApiHarness;
let app: { baseUrl: string; close(): Promise<void> };
const NOW = Date.now();

beforeAll(async () => {
  h = await startApiHarness({ worker: false });
  // The limits as configured (the suite's roomy override removed), behind one trusted proxy so a
  // test can say which address a request comes from; the clock held at NOW.
  app = await h.startExtraApp({ linkRateLimit: undefined, trustProxy: 1, now: () => NOW });
});

afterAll(async () => {
  await app?.close();
  await h?.close();
});

const from = (ip: string) => ({ 'x-forwarded-for': ip });

function checkInLink(activityId: string, familyId: string): string {
  return signSelfServiceLink({ activityId, step: 'checkIn', person: { kind: 'family', id: familyId }, expiresAtMs: NOW + 86_400_000 }, LINK_SECRET, app.baseUrl).url;
}

async function inBatches<T, R>(items: T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(run))));
  return out;
}

test('the defaults are a bucket per link and a roomy ceiling per address', () => {
  expect(h.config.familyPages).toEqual({ perLinkPerMinute: 30, perIpPerMinute: 1200 });
});

test('150 families check in by their own links from one address within a minute: every one is let in', async () => {
  const a = await seedActivity(h.db, { capacity: 500, startsInMs: 20 * 60_000 });
  await openWindow(h.db, a);
  const families = await inBatches(Array.from({ length: 150 }, () => 0), 10, () => seedFamily(h.db, { members: 2 }));
  const venue = from('10.20.0.1');
  const results = await inBatches(families, 10, async (f) => {
    const link = checkInLink(a.id, f.id);
    const shown = await page(link, { headers: venue });
    const done = await submit(link, { action: 'checkIn' }, { from: shown, headers: venue });
    return [shown.status, done.status, done.text.includes('签到成功')] as const;
  });
  expect(results.filter(([s, d, ok]) => s !== 200 || d !== 200 || !ok)).toEqual([]);
  const rows = await checkInRows(h.db, a.id);
  expect(rows).toHaveLength(150);
  expect(new Set(rows.map((r) => r.person_id))).toEqual(new Set(families.map((f) => f.id)));
});

test('one link hammered is limited after 30 requests in the minute; another family’s link from the same address is not', async () => {
  const a = await seedActivity(h.db, { startsInMs: 20 * 60_000 });
  await openWindow(h.db, a);
  const [hammered, neighbour] = [await seedFamily(h.db), await seedFamily(h.db)];
  const address = from('10.20.0.2');
  const statuses: number[] = [];
  for (let i = 0; i < 32; i++) statuses.push((await page(checkInLink(a.id, hammered.id), { headers: address })).status);
  expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
  expect(statuses.slice(30)).toEqual([429, 429]);
  const refused: PageResponse = await page(checkInLink(a.id, hammered.id), { headers: address });
  expect(refused.headers.get('retry-after')).toBeTruthy();
  expect(refused.text).toContain('请求过于频繁');
  // A re-signed link for the same family and step is the same bucket: signing anew does not escape it.
  expect((await page(signSelfServiceLink({ activityId: a.id, step: 'checkIn', person: { kind: 'family', id: hammered.id }, expiresAtMs: NOW + 2 * 86_400_000 }, LINK_SECRET, app.baseUrl).url, { headers: address })).status).toBe(429);
  expect((await page(checkInLink(a.id, neighbour.id), { headers: address })).status).toBe(200);
  // Nothing was checked in by all that.
  expect(await checkInRows(h.db, a.id)).toEqual([]);
});

test('bad links count against their address: 30 a minute, then refused', async () => {
  const address = from('10.20.0.3');
  const statuses: number[] = [];
  for (let i = 0; i < 31; i++) statuses.push((await page(`${app.baseUrl}/s/not-a-token-${i}`, { headers: address })).status);
  expect(statuses.slice(0, 30).every((s) => s === 400)).toBe(true);
  expect(statuses[30]).toBe(429);
});

test('the per-address ceiling stops a flood of distinct links, and only from that address', async () => {
  const flood = from('10.20.0.4');
  const statuses = await inBatches(Array.from({ length: 1210 }, (_, i) => i), 25, async (i) => (await page(`${app.baseUrl}/q/${unique('flood')}-${i}`, { headers: flood })).status);
  expect(statuses.filter((s) => s !== 429)).toHaveLength(1200);
  expect(statuses.filter((s) => s === 429)).toHaveLength(10);
  // Still refused from there, whatever the link; another address is served.
  expect((await page(`${app.baseUrl}/q/${unique('after')}`, { headers: flood })).status).toBe(429);
  // Another address is served (an unknown card's page is a 404 page), not limited.
  expect((await page(`${app.baseUrl}/q/${unique('other')}`, { headers: from('10.20.0.5') })).status).toBe(404);
});
