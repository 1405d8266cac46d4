/**
 * The activity forms validate as the JSON API does: the same bad plan sent as JSON to
 * POST /api/activities and typed into /dashboard/activities/new gives the same fields with the
 * same messages (the English page shows the API's words; the Chinese page its own, beside the
 * same fields), and neither starts anything.
 */
import { seedCycle, seedMerchant } from '../harness';
import { type CookieJar, TOKENS, postForm, request, signIn, startDashboardHarness, unique, type DashboardHarness } from '../dashboard/harness';
import { beijingInputs, formKeyOf } from '../../../api/activities/pages';

jest.setTimeout(120_000);

const DAY = 86_400_000;
let h: DashboardHarness;
let jar: CookieJar;
const cycleId = unique('cycle-forms');
let merchant: { id: string; venueId: string };

beforeAll(async () => {
  h = await startDashboardHarness({ worker: false });
  await seedCycle(h.db, cycleId);
  merchant = await seedMerchant(h.db, { id: unique('m-forms'), email: 'forms@example.test' });
  jar = await signIn(h, 'pm');
});

afterAll(async () => {
  await h?.close();
});

interface Issue {
  field: string;
  message: string;
}

/** The form's fields for a plan, the way a person fills them in (Beijing date and time). */
function formOf(o: { startsAt: string; endsAt: string; capacity: string; attendance: string; merchants: string[]; title: string }): Record<string, string> {
  const start = beijingInputs(o.startsAt);
  const end = beijingInputs(o.endsAt);
  const fields: Record<string, string> = {
    cycleId,
    compound: 'c-east',
    theme: '邻里节',
    title: o.title,
    startDate: start.date,
    startTime: start.time,
    endDate: end.date,
    endTime: end.time,
    capacity: o.capacity,
    venueKind: 'merchant',
    venueName: '',
    venueHours: '2',
    volunteersNeeded: '2',
    attendancePoints: o.attendance,
    perHourPoints: '5',
    familyLearningPoints: '0',
    budget: '100',
    description: '',
  };
  o.merchants.forEach((m, i) => (fields[`merchant${i + 1}`] = m));
  return fields;
}

/** The same plan as the JSON API's body. */
function bodyOf(o: { startsAt: string; endsAt: string; capacity: string; attendance: string; merchants: string[]; title: string }) {
  return {
    cycleId,
    plan: {
      title: o.title,
      theme: '邻里节',
      compound: 'c-east',
      description: '',
      startsAt: o.startsAt.replace(/\.000Z$/, 'Z'),
      endsAt: o.endsAt.replace(/\.000Z$/, 'Z'),
      capacity: Number(o.capacity),
      venue: {
        kind: 'merchant',
        hours: 2,
        candidateMerchants: o.merchants.map((m) => {
          const [merchantId, venueId] = m.split(' ');
          return venueId ? { merchantId, venueId } : { merchantId };
        }),
      },
      volunteersNeeded: 2,
      pointsRules: { attendance: Number(o.attendance), perVolunteerHour: 5, familyLearning: 0 },
      budget: 100,
    },
  };
}

async function viaApi(body: unknown): Promise<{ status: number; issues: Issue[] }> {
  const res = await fetch(`${h.baseUrl}/api/activities`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS.pm}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { error?: { details?: Issue[] } };
  return { status: res.status, issues: json.error?.details ?? [] };
}

/** Each error the page shows: the API field it names, and its words. */
function shownIssues(page: string): Issue[] {
  return [...page.matchAll(/<p class="field-error" data-field="([^"]+)">([^<]*)<\/p>/g)].map((m) => ({
    field: m[1]!,
    message: m[2]!.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&'),
  }));
}

async function viaForm(fields: Record<string, string>, lang: 'en' | 'zh-CN'): Promise<{ status: number; text: string; issues: Issue[] }> {
  const form = await request(`${h.baseUrl}/dashboard/activities/new?lang=${lang}`, jar);
  expect(form.status).toBe(200);
  const page = await postForm(`${h.baseUrl}/dashboard/activities/new?lang=${lang}`, jar, { csrf: form.csrf ?? '', ...fields });
  return { status: page.status, text: page.text, issues: shownIssues(page.text) };
}

const sorted = (issues: Issue[]) => [...issues].sort((a, b) => a.field.localeCompare(b.field) || a.message.localeCompare(b.message));

async function startedCount(): Promise<number> {
  return (await h.db.selectFrom('activities').select('id').execute()).length;
}

describe('the new-activity form refuses what the API refuses, field by field', () => {
  const startsAt = new Date(Date.now() + 10 * DAY);
  startsAt.setUTCHours(2, 0, 0, 0);

  it('an end before the start, no capacity and negative points: the schema’s fields and messages, beside their inputs', async () => {
    const plan = {
      title: unique('坏方案'),
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() - 3_600_000).toISOString(),
      capacity: '0',
      attendance: '-1',
      merchants: [`${merchant.id} ${merchant.venueId}`],
    };
    const before = await startedCount();
    const api = await viaApi(bodyOf(plan));
    expect(api.status).toBe(400);
    expect(api.issues.map((i) => i.field).sort()).toEqual(['plan.capacity', 'plan.endsAt', 'plan.pointsRules.attendance']);

    const form = await viaForm(formOf(plan), 'en');
    expect(form.status).toBe(400);
    expect(sorted(form.issues)).toEqual(sorted(api.issues));

    // In Chinese, the same fields, each beside its own input, in Chinese.
    const zh = await viaForm(formOf(plan), 'zh-CN');
    expect(zh.issues.map((i) => i.field).sort()).toEqual(api.issues.map((i) => i.field).sort());
    expect(zh.text).toMatch(/data-key="endsAt">[\s\S]*?<p class="field-error" data-field="plan.endsAt">结束时间必须晚于开始时间<\/p><\/div>/);
    expect(zh.text).toMatch(/data-key="capacity">[\s\S]*?<p class="field-error" data-field="plan.capacity">必须大于 0<\/p><\/div>/);
    expect(await startedCount()).toBe(before);
  });

  it('a merchant not in the directory, named twice: the candidates’ fields, as planFromDirectory names them', async () => {
    const plan = {
      title: unique('坏商户'),
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 2 * 3_600_000).toISOString(),
      capacity: '30',
      attendance: '10',
      merchants: [`${merchant.id} ${merchant.venueId}`, 'no-such-merchant', `${merchant.id} ${merchant.venueId}`],
    };
    const api = await viaApi(bodyOf(plan));
    expect(api.status).toBe(400);
    expect(api.issues.map((i) => i.field)).toEqual(['plan.venue.candidateMerchants.1', 'plan.venue.candidateMerchants.2']);
    const form = await viaForm(formOf(plan), 'en');
    expect(form.status).toBe(400);
    expect(form.issues).toEqual(api.issues);
    const zh = await viaForm(formOf(plan), 'zh-CN');
    expect(zh.text).toContain('<p class="field-error" data-field="plan.venue.candidateMerchants.1">名录中没有这个商户</p>');
    expect(zh.text).toContain('<p class="field-error" data-field="plan.venue.candidateMerchants.2">同一商户不能重复选择</p>');
  });

  it('a start too soon for check-in to open: the plan checks’ fields and messages', async () => {
    const soon = new Date(Date.now() + 60_000);
    soon.setUTCSeconds(0, 0);
    const plan = {
      title: unique('太急'),
      startsAt: soon.toISOString(),
      endsAt: new Date(soon.getTime() + 3 * 3_600_000).toISOString(),
      capacity: '30',
      attendance: '10',
      merchants: [`${merchant.id} ${merchant.venueId}`],
    };
    const api = await viaApi(bodyOf(plan));
    expect(api.status).toBe(400);
    expect(api.issues.map((i) => i.field)).toContain('plan.startsAt');
    const form = await viaForm(formOf(plan), 'en');
    expect(form.status).toBe(400);
    expect(sorted(form.issues)).toEqual(sorted(api.issues));
  });

  it('an unknown venue kind is named beside the venue kind’s choices', async () => {
    const page = await request(`${h.baseUrl}/dashboard/activities/new?lang=en`, jar);
    const sent = await postForm(`${h.baseUrl}/dashboard/activities/new?lang=en`, jar, {
      csrf: page.csrf ?? '',
      ...formOf({ title: unique('x'), startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + 3_600_000).toISOString(), capacity: '5', attendance: '1', merchants: [] }),
      venueKind: 'lecture-hall',
    });
    expect(sent.status).toBe(400);
    expect(shownIssues(sent.text).map((i) => i.field)).toEqual(['plan.venue.kind']);
    expect(sent.text).toMatch(/<legend>Venue<\/legend>[\s\S]*?<p class="field-error" data-field="plan.venue.kind">/);
  });

  it('a field path the form has no input for goes above the form; each candidate goes beside its own select', () => {
    const inputs = ['startsAt', 'endsAt', 'reason'];
    expect(formKeyOf('plan.capacity', inputs)).toBeUndefined();
    expect(formKeyOf('propertyManagerId', ['title'])).toBeUndefined();
    expect(formKeyOf('startsAt', inputs)).toBe('startsAt');
    expect(formKeyOf('plan.venue.candidateMerchants.2', ['candidateMerchants'])).toBe('candidateMerchants.2');
    expect(formKeyOf('plan.pointsRules.perVolunteerHour', ['perHourPoints'])).toBe('perHourPoints');
  });

  it('a form that is not ours (no CSRF value) is refused and starts nothing', async () => {
    const before = await startedCount();
    const sent = await postForm(`${h.baseUrl}/dashboard/activities/new`, jar, formOf({ title: unique('csrf'), startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + 3_600_000).toISOString(), capacity: '5', attendance: '1', merchants: [`${merchant.id} ${merchant.venueId}`] }));
    expect(sent.status).toBe(403);
    expect(await startedCount()).toBe(before);
  });
});

describe('who gets which form', () => {
  it('a property manager’s compound is preset; a coordinator picks one by name; a grid worker may not create activities', async () => {
    const mine = await request(`${h.baseUrl}/dashboard/activities/new`, jar);
    expect(mine.text).toContain('<input type="hidden" name="compound" value="c-east">');
    expect(mine.text).not.toContain('<select id="compound"');

    const co = await signIn(h, 'co');
    const theirs = await request(`${h.baseUrl}/dashboard/activities/new`, co);
    expect(theirs.status).toBe(200);
    expect(theirs.text).toMatch(/<select id="compound" name="compound" required><option value=""><\/option><option value="c-east">东苑<\/option><option value="c-west">西苑<\/option><\/select>/);

    const gw = await signIn(h, 'gw');
    const refused = await request(`${h.baseUrl}/dashboard/activities/new`, gw);
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain('<form method="post" action="/dashboard/activities/new"');
  });
});
