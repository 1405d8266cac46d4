/**
 * The JSON API's guards and errors: every route refuses a missing or unknown token (401), a role
 * it does not admit (403) and a malformed body (400 naming the field), and admits its own roles
 * without a server error; plus 413, 404, 500,
 * directory problems (422), the health check, the OpenAPI document and the security headers.
 */
import { Connection, Client } from '@temporalio/client';
import { Kysely, SqliteDialect } from 'kysely';
import { createRepositories } from '../../db/repositories';
import { reportDeps } from '../../reports';
import type { Database } from '../../db/types';
import { api, communityPlan, seedCycle, startApiHarness, unique, type ApiHarness } from './harness';
import { describeRouteGuards, type RouteCase } from './route-guards';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ worker: false });
  await seedCycle(h.db, 'c1');
});

afterAll(async () => {
  await h?.close();
});

const plan = communityPlan('role test');
const ROUTES: RouteCase[] = [
  { method: 'POST', path: '/api/activities', admitted: ['pm', 'co'], refused: 'gw', bad: { body: { cycleId: 'c1', plan: { ...plan, capacity: -1 } }, field: 'plan.capacity' } },
  { method: 'GET', path: '/api/activities', admitted: ['pm', 'gw', 'co', 'su'] },
  { method: 'GET', path: '/api/activities/some-id', admitted: ['pm', 'gw', 'co', 'su'] },
  { method: 'POST', path: '/api/activities/some-id/plan', admitted: ['pm'], refused: 'co', bad: { body: { plan: { ...plan, title: '' } }, field: 'plan.title' } },
  {
    method: 'POST',
    path: '/api/activities/some-id/reschedule',
    admitted: ['pm', 'co'],
    refused: 'gw',
    bad: { body: { startsAt: 'tomorrow', endsAt: plan.endsAt, reason: 'rain' }, field: 'startsAt' },
  },
  { method: 'POST', path: '/api/activities/some-id/cancel', admitted: ['pm', 'co'], refused: 'su', bad: { body: { reason: '' }, field: 'reason' } },
  { method: 'POST', path: '/api/activities/some-id/venue', admitted: ['co'], refused: 'pm', bad: { body: { venueName: 'hall', hours: 0 }, field: 'hours' } },
  { method: 'POST', path: '/api/activities/some-id/approval', admitted: ['co'], refused: 'gw', bad: { body: { round: 1, decision: 'reject' }, field: 'comment' } },
];

describeRouteGuards(ROUTES, () => h);

describe.each(ROUTES.filter((r) => r.bad?.body !== undefined))('$method $path', (route) => {
  test('refuses malformed JSON (400), a body over 100 kB (413) and a `by` in the body (400)', async () => {
    const who = route.admitted[0]!;
    const malformed = await api(h.baseUrl, route.method, route.path, { who, rawBody: '{"reason": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('MalformedJson');
    const huge = await api(h.baseUrl, route.method, route.path, { who, rawBody: JSON.stringify({ reason: 'x'.repeat(110 * 1024) }) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PayloadTooLarge');
    const withBy = await api(h.baseUrl, route.method, route.path, {
      who,
      body: { ...(route.bad?.body as object), by: { id: 'someone', name: 'x', role: 'coordinator' } },
    });
    expect(withBy.status).toBe(400);
    expect(withBy.body.error.message).toContain('by');
  });
});

test('an unknown route answers 404 JSON', async () => {
  const res = await api(h.baseUrl, 'GET', '/api/nope', { who: 'co' });
  expect(res.status).toBe(404);
  expect(res.body.error).toMatchObject({ code: 'NotFound', message: expect.stringContaining('/api/nope') });
  // A method no route answers on a known path is 405 (test/api/http-hardening.test.ts), not 404.
  const other = await api(h.baseUrl, 'DELETE', '/api/activities/x', { who: 'co' });
  expect(other.status).toBe(405);
});

test('an unknown activity answers 404 JSON', async () => {
  const res = await api(h.baseUrl, 'GET', `/api/activities/${unique('missing')}`, { who: 'co' });
  expect(res.status).toBe(404);
  expect(res.body.error.code).toBe('NotFound');
  const update = await api(h.baseUrl, 'POST', `/api/activities/${unique('missing')}/cancel`, { who: 'co', body: { reason: 'x' } });
  expect(update.status).toBe(404);
});

test('a property manager may only start activities in their own compound', async () => {
  const res = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId: 'c1', plan: communityPlan('west', { compound: 'c-west' }) } });
  expect(res.status).toBe(403);
  expect(res.body.error.message).toContain('own compound');
  const other = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId: 'c1', plan, propertyManagerId: 'pm-west' } });
  expect(other.status).toBe(403);
});

test('a property manager or grid worker cannot list another compound', async () => {
  const res = await api(h.baseUrl, 'GET', '/api/activities?compound=c-west', { who: 'gw' });
  expect(res.status).toBe(403);
});

test('list filters are validated', async () => {
  const stage = await api(h.baseUrl, 'GET', '/api/activities?stage=bogus', { who: 'co' });
  expect(stage.status).toBe(400);
  expect(stage.body.error.details).toEqual([expect.objectContaining({ field: 'stage' })]);
  const quote = await api(h.baseUrl, 'GET', `/api/activities?cycleId=${encodeURIComponent("x' OR '1'='1")}`, { who: 'co' });
  expect(quote.status).toBe(400);
  expect(quote.body.error.details).toEqual([expect.objectContaining({ field: 'cycleId' })]);
});

test('missing directory entries answer 422 naming what is missing', async () => {
  // c-west has a property manager but no grid worker.
  const res = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pmWest', body: { cycleId: 'c1', plan: communityPlan('west', { compound: 'c-west' }) } });
  expect(res.status).toBe(422);
  expect(res.body.error).toMatchObject({ code: 'MissingDirectoryEntry', message: expect.stringContaining('no grid worker for compound c-west') });
  const notPm = await api(h.baseUrl, 'POST', '/api/activities', { who: 'co', body: { cycleId: 'c1', plan, propertyManagerId: 'gw-east', supervisorId: 'nobody' } });
  expect(notPm.status).toBe(422);
  expect(notPm.body.error.details).toEqual([
    'staff gw-east (propertyManagerId) is not a property manager in the directory',
    'staff nobody (supervisorId) is not a supervisor in the directory',
  ]);
});

test('the OpenAPI 3.1 document lists every route with its roles and schemas, and /api/docs shows it', async () => {
  const res = await api(h.baseUrl, 'GET', '/api/openapi.json');
  expect(res.status).toBe(200);
  expect(res.body.openapi).toBe('3.1.0');
  for (const p of ROUTES) {
    const op = res.body.paths[p.path.replace('some-id', '{id}')]?.[p.method.toLowerCase()];
    expect(op).toBeDefined();
    expect([...op['x-roles']].sort()).toEqual(
      p.admitted.map((w) => ({ pm: 'propertyManager', gw: 'gridWorker', co: 'coordinator', su: 'supervisor', pmWest: 'propertyManager' })[w]).sort(),
    );
  }
  const schemas = res.body.components.schemas;
  // A plan sent to the API names candidate merchants by directory id, with no room for an address.
  for (const body of [schemas.StartActivityBody, schemas.RevisePlanBody]) {
    const merchantVenue = body.properties.plan.properties.venue.oneOf.find((v: any) => v.properties.kind.const === 'merchant');
    expect(merchantVenue.properties.candidateMerchants.items).toMatchObject({ required: ['merchantId'], additionalProperties: false });
    expect(Object.keys(merchantVenue.properties.candidateMerchants.items.properties)).toEqual(['merchantId', 'venueId']);
  }
  expect(schemas.Plan.properties.startsAt.format).toBe('date-time');
  expect(schemas.ApprovalBody.properties.decision.enum).toEqual(['approve', 'reject', 'requestChanges']);

  const docs = await fetch(`${h.baseUrl}/api/docs`);
  const html = await docs.text();
  expect(docs.status).toBe(200);
  expect(docs.headers.get('content-type')).toContain('text/html');
  expect(html).toContain('/api/activities/{id}/approval');
  expect(html).toContain('coordinator');
  expect(html).toContain('id="schema-Plan"');
  expect(html).not.toMatch(/<script|<link[^>]+href="https?:/);
});

test('responses carry the security headers', async () => {
  const res = await fetch(`${h.baseUrl}/api/docs`);
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('content-security-policy')).toContain("script-src 'none'");
  expect(res.headers.get('x-powered-by')).toBeNull();
});

test('/healthz answers 200 when Temporal and the database answer, and 503 naming the one that does not', async () => {
  const ok = await api(h.baseUrl, 'GET', '/healthz');
  expect(ok.status).toBe(200);
  expect(ok.body).toEqual({ status: 'ok', checks: { temporal: 'ok', database: 'ok' } });

  const deadDb = new Kysely<Database>({
    dialect: new SqliteDialect({
      database: async () => {
        throw new Error('database is down');
      },
    }),
  });
  // No retry interceptor: the probe fails at once instead of retrying after the test closes it.
  const noTemporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', interceptors: [] }) });
  const broken = await h.startExtraApp({ repos: createRepositories(deadDb, reportDeps(deadDb)), client: noTemporal });
  try {
    const res = await api(broken.baseUrl, 'GET', '/healthz');
    expect(res.status).toBe(503);
    expect(res.body.checks).toEqual({ temporal: 'unavailable', database: 'unavailable' });
    expect(res.body.error.message).toBe('Not answering: temporal, database');

    // Anything unexpected is a generic 500, logged, with no stack trace.
    const failed = await api(broken.baseUrl, 'POST', '/api/activities', { who: 'co', body: { cycleId: 'c1', plan } });
    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({ error: { code: 'Internal', message: 'Something went wrong on our side; it has been logged' } });
    expect(JSON.stringify(failed.body)).not.toContain(' at ');
    expect(h.logs.some((l) => l.level === 'error' && l.message === 'unhandled error')).toBe(true);
  } finally {
    await broken.close();
    await noTemporal.connection.close();
  }
});
