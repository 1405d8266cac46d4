/**
 * What every JSON route gets from the one route definer, whatever the feature: answers no cache
 * keeps, 405 for methods no route answers, 415 for a body that is not JSON and 413 for one too
 * large (in the JSON error shape), and an OpenAPI document that lists those answers.
 */
import http from 'node:http';
import { TOKENS, api, startApiHarness, unique, type ApiHarness } from './harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ worker: false });
});

afterAll(async () => {
  await h?.close();
});

/** fetch refuses to send TRACE, so this goes through node:http. */
function rawRequest(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${h.baseUrl}${path}`, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('every /api answer, data or error, says Cache-Control: no-store; the OpenAPI document may be cached', async () => {
  const families = await api(h.baseUrl, 'GET', '/api/directory/families', { who: 'co' });
  expect(families.status).toBe(200);
  expect(families.headers.get('cache-control')).toBe('no-store');
  const refused = await api(h.baseUrl, 'GET', '/api/directory/families');
  expect(refused.status).toBe(401);
  expect(refused.headers.get('cache-control')).toBe('no-store');
  const doc = await api(h.baseUrl, 'GET', '/api/openapi.json');
  expect(doc.status).toBe(200);
  expect(doc.headers.get('cache-control')).toBeNull();
});

test('TRACE and methods no route answers get 405 in the JSON error shape, with Allow on a known path', async () => {
  const trace = await rawRequest('TRACE', '/api/activities', { authorization: `Bearer ${TOKENS.co}` });
  expect(trace.status).toBe(405);
  expect(trace.headers.allow).toBe('GET, HEAD, POST');
  expect(JSON.parse(trace.body)).toEqual({ error: { code: 'MethodNotAllowed', message: expect.stringContaining('TRACE') } });

  const del = await api(h.baseUrl, 'DELETE', '/api/activities/some-id', { who: 'co' });
  expect(del.status).toBe(405);
  expect(del.headers.get('allow')).toBe('GET, HEAD');
  expect(del.body.error.code).toBe('MethodNotAllowed');

  const unknownPath = await rawRequest('TRACE', '/api/nowhere');
  expect(unknownPath.status).toBe(405);
  expect(JSON.parse(unknownPath.body).error.code).toBe('MethodNotAllowed');
  // A known method on an unknown path is still a 404.
  expect((await api(h.baseUrl, 'GET', '/api/nowhere', { who: 'co' })).status).toBe(404);
});

test('a JSON route refuses a body that is not JSON (415) and one over 100 kB (413), and records nothing', async () => {
  const id = unique('reward');
  const reward = { id, name: '绘本', kind: 'education', price: 10, stock: 5 };
  const form = await api(h.baseUrl, 'POST', '/api/rewards', {
    who: 'co',
    rawBody: new URLSearchParams({ id, name: '绘本', kind: 'education', price: '10', stock: '5' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(form.status).toBe(415);
  expect(form.body).toEqual({ error: { code: 'UnsupportedMediaType', message: expect.stringContaining('application/json') } });
  const text = await api(h.baseUrl, 'POST', '/api/rewards', { who: 'co', rawBody: JSON.stringify(reward), headers: { 'content-type': 'text/plain' } });
  expect(text.status).toBe(415);

  const huge = await api(h.baseUrl, 'POST', '/api/rewards', { who: 'co', body: { ...reward, name: 'x'.repeat(110 * 1024) } });
  expect(huge.status).toBe(413);
  expect(huge.body).toEqual({ error: { code: 'PayloadTooLarge', message: expect.stringContaining('100 kB') } });

  expect(await h.db.selectFrom('rewards').select('id').where('id', '=', id).execute()).toHaveLength(0);
  // The same reward as JSON is accepted: the refusals were about the body's type and size only.
  expect((await api(h.baseUrl, 'POST', '/api/rewards', { who: 'co', body: reward })).status).toBe(201);
});

test('the OpenAPI document lists 413 and 415 where a body is read, 503 where Temporal is waited on, and the CSV import’s text/csv body', async () => {
  const doc = await api(h.baseUrl, 'GET', '/api/openapi.json');
  type Op = { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>; requestBody?: { content: Record<string, unknown> } };
  const paths = doc.body.paths as Record<string, Record<string, Op>>;
  const startActivity = paths['/api/activities']!.post!;
  expect(Object.keys(startActivity.responses)).toEqual(expect.arrayContaining(['413', '415', '503']));
  expect(startActivity.responses['415']!.content!['application/json']!.schema.$ref).toBe('#/components/schemas/Error');
  const listActivities = paths['/api/activities']!.get!;
  expect(Object.keys(listActivities.responses)).toContain('503');
  expect(Object.keys(listActivities.responses)).not.toContain('413');
  const createReward = paths['/api/rewards']!.post!;
  expect(Object.keys(createReward.responses)).toEqual(expect.arrayContaining(['413', '415']));
  expect(Object.keys(createReward.responses)).not.toContain('503');
  const csvImport = paths['/api/directory/{entity}/import']!.post!;
  expect(Object.keys(csvImport.requestBody!.content)).toEqual(['text/csv']);
  expect(Object.keys(csvImport.responses)).toEqual(expect.arrayContaining(['413', '415']));
});
