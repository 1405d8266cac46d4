/**
 * The guards of every people, registration, check-in and points route: no token or an unknown one
 * (401), a role the route does not admit (403), a malformed body or query (400 naming the field);
 * and the OpenAPI document lists them with their roles.
 */
import { api, startApiHarness, type ApiHarness, type Who } from '../harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ worker: false });
});

afterAll(async () => {
  await h?.close();
});

interface RouteCase {
  method: 'GET' | 'POST';
  path: string;
  admitted: Who[];
  refused?: Who;
  bad?: { body?: unknown; query?: string; field: string };
}

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

describe.each(ROUTES)('$method $path', (route) => {
  test('refuses a request without a token, and an unknown token (401)', async () => {
    const none = await api(h.baseUrl, route.method, route.path, route.method === 'POST' ? { body: {} } : {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const unknown = await api(h.baseUrl, route.method, route.path, { token: 'not-a-real-token-0123456789abcdef', ...(route.method === 'POST' ? { body: {} } : {}) });
    expect(unknown.status).toBe(401);
  });

  if (route.refused) {
    const refused = route.refused;
    test(`refuses a ${refused} token (403)`, async () => {
      const res = await api(h.baseUrl, route.method, route.path, { who: refused, ...(route.method === 'POST' ? { body: route.bad?.body ?? {} } : {}) });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain('This route admits');
    });
  }

  if (route.bad) {
    const bad = route.bad;
    test(`refuses a malformed ${bad.body !== undefined ? 'body' : 'query'} with 400 naming ${bad.field}`, async () => {
      const res = await api(h.baseUrl, route.method, `${route.path}${bad.query ?? ''}`, { who: route.admitted[0]!, ...(bad.body !== undefined ? { body: bad.body } : {}) });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('InvalidInput');
      expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: bad.field })]));
      expect(res.body.error.message).toContain(bad.field);
    });
  }

  test('admits its roles (past the guard: not 401 or 403, and never a server error)', async () => {
    for (const who of route.admitted) {
      const res = await api(h.baseUrl, route.method, route.path, { who, ...(route.method === 'POST' ? { body: {} } : {}) });
      // The role and the answer together, so a failure names which role got what.
      expect({ who, status: res.status, admitted: ![401, 403].includes(res.status), serverError: res.status >= 500 }).toEqual({
        who,
        status: res.status,
        admitted: true,
        serverError: false,
      });
    }
  });
});

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
