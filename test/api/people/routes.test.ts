/**
 * The guards of every people, registration, check-in and points route: no token or an unknown one
 * (401), a role the route does not admit (403), a malformed body or query (400 naming the field);
 * and the OpenAPI document lists them with their roles.
 */
import { api, startApiHarness, type ApiHarness } from '../harness';
import { describeRouteGuards, type RouteCase } from '../route-guards';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ worker: false });
});

afterAll(async () => {
  await h?.close();
});

const A = '/api/activities/some-activity';
const ROUTES: RouteCase[] = [
  { method: 'GET', path: '/api/directory/families', admitted: ['co'], refused: 'pm', bad: { query: '?role=boss', field: 'role' } },
  { method: 'POST', path: '/api/directory/families', admitted: ['co'], refused: 'pm', bad: { body: { id: 'f-1', compoundId: 'c-east', name: '', email: 'f@example.test' }, field: 'name' } },
  { method: 'POST', path: '/api/directory/families/import', admitted: ['co'], refused: 'gw' },
  { method: 'POST', path: '/api/directory/families/f-1', admitted: ['co'], refused: 'su', bad: { body: { members: 0 }, field: 'members' } },
  { method: 'GET', path: `${A}/registrations`, admitted: ['pm', 'gw', 'co', 'su'] },
  { method: 'POST', path: `${A}/registrations`, admitted: ['pm', 'co'], refused: 'gw', bad: { body: { familyId: 'f-1', members: 0 }, field: 'members' } },
  { method: 'POST', path: `${A}/registrations/f-1/cancel`, admitted: ['pm', 'co'], refused: 'su' },
  { method: 'POST', path: `${A}/registrations/promote`, admitted: ['pm', 'co'], refused: 'gw' },
  { method: 'POST', path: `${A}/volunteers`, admitted: ['pm', 'co'], refused: 'gw', bad: { body: { volunteerId: '' }, field: 'volunteerId' } },
  { method: 'POST', path: `${A}/volunteers/v-1/withdraw`, admitted: ['pm', 'co'], refused: 'su' },
  { method: 'POST', path: `${A}/self-service-links`, admitted: ['pm', 'co'], refused: 'gw', bad: { body: { step: 'approve', families: ['f-1'] }, field: 'step' } },
  { method: 'POST', path: `${A}/check-ins`, admitted: ['pm', 'gw', 'co'], refused: 'su', bad: { body: { nonce: 'n-1' }, field: 'qrToken' } },
  {
    method: 'POST',
    path: `${A}/walk-ins`,
    admitted: ['pm', 'gw', 'co'],
    refused: 'su',
    bad: { body: { newFamily: { name: '周家', email: 'not-an-email', members: 2 } }, field: 'newFamily.email' },
  },
  { method: 'POST', path: `${A}/check-outs`, admitted: ['pm', 'gw', 'co'], refused: 'su', bad: { body: {}, field: 'volunteerId' } },
  { method: 'GET', path: `${A}/check-ins`, admitted: ['pm', 'gw', 'co', 'su'] },
  { method: 'GET', path: '/api/families/f-1/qr.png', admitted: ['pm', 'gw', 'co'], refused: 'su' },
  { method: 'GET', path: '/api/volunteers/v-1/qr.png', admitted: ['pm', 'gw', 'co'], refused: 'su' },
  { method: 'GET', path: '/api/families/f-1/points', admitted: ['pm', 'gw', 'co'], refused: 'su', bad: { query: '?limit=0', field: 'limit' } },
  { method: 'POST', path: '/api/families/f-1/redemptions', admitted: ['pm', 'gw', 'co'], refused: 'su', bad: { body: { rewardId: 'r-1' }, field: 'idempotencyKey' } },
  { method: 'GET', path: '/api/rewards', admitted: ['pm', 'gw', 'co', 'su'] },
  { method: 'POST', path: '/api/rewards', admitted: ['co'], refused: 'pm', bad: { body: { name: '优惠券', kind: 'merchantCoupon', price: 10, stock: 5 }, field: 'merchantId' } },
  { method: 'GET', path: '/api/points/totals', admitted: ['co'], refused: 'gw', bad: { query: '?from=yesterday&to=2025-01-01T00:00:00Z', field: 'from' } },
  { method: 'POST', path: '/api/points/expire', admitted: ['co'], refused: 'pm', bad: { body: { asOf: 'soon' }, field: 'asOf' } },
];

describeRouteGuards(ROUTES, () => h);

test('malformed JSON is 400; the OpenAPI document lists every new route with its roles', async () => {
  const res = await api(h.baseUrl, 'POST', `${A}/check-ins`, { who: 'gw', rawBody: '{"qrToken":' });
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('MalformedJson');
  const doc = await api(h.baseUrl, 'GET', '/api/openapi.json');
  const paths = doc.body.paths as Record<string, Record<string, { 'x-roles': string[] }>>;
  expect(paths['/api/families/{id}/redemptions']?.post?.['x-roles']).toEqual(['propertyManager', 'gridWorker', 'coordinator']);
  expect(paths['/api/directory/{entity}/import']?.post?.['x-roles']).toEqual(['coordinator']);
  expect(paths['/api/activities/{id}/check-ins']?.get).toBeDefined();
});
