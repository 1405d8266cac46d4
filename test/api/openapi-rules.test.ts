/**
 * The OpenAPI document states the rules its schemas alone cannot (a refinement: a field compared
 * with another, a reason required to reject, exactly one of two fields, text without control
 * characters), as JSON Schema where it can and in the description where it cannot, so a client
 * (or `npm run fuzz`) building a request from the document is not refused for a rule it could not
 * read. And the directory update route, found by that fuzz run, takes a bare POST as no change.
 */
import { api, startApiHarness, type ApiHarness } from './harness';

let h: ApiHarness;
type Json = Record<string, any>;
let schemas: Record<string, Json>;
let paths: Record<string, Record<string, Json>>;

beforeAll(async () => {
  h = await startApiHarness({ worker: false });
  const res = await api(h.baseUrl, 'GET', '/api/openapi.json');
  expect(res.status).toBe(200);
  schemas = res.body.components.schemas;
  paths = res.body.paths;
});

afterAll(async () => {
  await h?.close();
});

const queryParam = (path: string, name: string): Json => paths[path]!.get!.parameters.find((p: Json) => p.name === name);

test('each cross-field rule is stated in the description of its schema or parameter', () => {
  expect(schemas.Plan!.description).toContain('endsAt must be after startsAt');
  expect(schemas.RescheduleBody!.description).toContain('endsAt must be after startsAt');
  expect(schemas.StartActivityBody!.description).toContain('within the cycle period');
  expect(schemas.ApprovalBody!.description).toContain('A reason (comment) is required to reject or to request changes');
  expect(schemas.StartCycleBody!.description).toBe('periodEnd must be after periodStart; milestone ids must be unique; compounds must be unique.');
  expect(schemas.RewardBody!.description).toContain('needs its merchantId');
  expect(schemas.WalkInBody!.description).toBe('Exactly one of familyId, volunteerId and newFamily.');
  expect(schemas.CheckOutBody!.description).toBe('Exactly one of volunteerId and qrToken.');
  expect(schemas.SelfServiceLinksBody!.description).toContain('Name at least one family or volunteer');
  expect(schemas.SponsorshipBody!.properties.amountCny.description).toContain('at most two decimals');
  expect(queryParam('/api/points/totals', 'to').schema.description).toBe('Must be after from.');
  expect(queryParam('/api/cycles/{id}/report', 'table').schema.description).toContain('Required when format is csv');
});

test('the rules JSON Schema can express are written as JSON Schema', () => {
  expect(schemas.ApprovalBody).toMatchObject({
    if: { properties: { decision: { not: { const: 'approve' } } } },
    then: { required: ['comment'], properties: { comment: { minLength: 1 } } },
  });
  expect(schemas.RewardBody).toMatchObject({ if: { properties: { kind: { const: 'merchantCoupon' } } }, then: { required: ['merchantId'] } });
  expect(schemas.WalkInBody!.oneOf).toEqual([{ required: ['familyId'] }, { required: ['volunteerId'] }, { required: ['newFamily'] }]);
  expect(schemas.CheckOutBody!.oneOf).toEqual([{ required: ['volunteerId'] }, { required: ['qrToken'] }]);
  expect(schemas.SelfServiceLinksBody!.anyOf).toHaveLength(2);
  expect(schemas.StartCycleBody!.properties.compounds.uniqueItems).toBe(true);
  // A trimmed email is documented by the email rule it is piped into, not as any string.
  const email = schemas.WalkInBody!.properties.newFamily.properties.email;
  expect(email.format).toBe('email');
  expect(new RegExp(email.pattern).test('li@example.com')).toBe(true);
  expect(new RegExp(email.pattern).test('not an email')).toBe(false);
});

test('free text carries the safe-text rule as a pattern, and a trimmed required text needs a non-blank character', () => {
  const title = new RegExp(schemas.Plan!.properties.title.pattern, 'u');
  expect(title.test('亲子共读会')).toBe(true);
  expect(title.test('  亲子 共读  ')).toBe(true);
  expect(title.test('   ')).toBe(false);
  expect(title.test('')).toBe(false);
  expect(title.test('共读\u202Eevil')).toBe(false);
  expect(title.test('共读\u0000')).toBe(false);
  // The description may be empty, but not unsafe.
  const description = new RegExp(schemas.Plan!.properties.description.pattern, 'u');
  expect(description.test('')).toBe(true);
  expect(description.test('第一行\n第二行')).toBe(true);
  expect(description.test('bell\u0007')).toBe(false);
});

test('the directory update documents its body and takes a bare POST as no change', async () => {
  const op = paths['/api/directory/{entity}/{id}']!.post!;
  expect(op.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/DirectoryPatchBody' });
  expect(schemas.DirectoryPatchBody!.anyOf).toHaveLength(6);

  const created = await api(h.baseUrl, 'POST', '/api/directory/compounds', { who: 'co', body: { id: 'bare-post-garden', name: '幸福花园' } });
  expect(created.status).toBe(201);
  const bare = await api(h.baseUrl, 'POST', '/api/directory/compounds/bare-post-garden', { who: 'co' });
  expect(bare.status).toBe(200);
  expect(bare.body).toMatchObject({ id: 'bare-post-garden', name: '幸福花园' });
  const listed = await api(h.baseUrl, 'GET', '/api/directory/compounds', { who: 'co' });
  expect(listed.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'bare-post-garden', name: '幸福花园' })]));
});
