/**
 * The registrations forms and CSV of the dashboard's activity page over real HTTP (SQLite, a real
 * dev mailbox): who may act, the CSRF rule, and that a form does what the JSON route does.
 * Activities are put in the store directly (people-fixtures.ts); no worker is needed.
 */
import { Registrations } from '../../../db/services/registration';
import { parseCsv } from '../../../lib/csv';
import { type CookieJar, TOKENS, postForm, request, signIn, startDashboardHarness, type DashboardHarness } from '../dashboard/harness';
import { seedActivity, seedFamily } from '../people-fixtures';

let h: DashboardHarness;

beforeAll(async () => {
  h = await startDashboardHarness({ worker: false });
});

afterAll(async () => {
  await h?.close();
});

/** Capacity 3: a family of 3 registered, a family of 2 then one of 1 waiting. */
async function scenario(names: { registered?: string } = {}) {
  const a = await seedActivity(h.db, { capacity: 3 });
  const registered = await seedFamily(h.db, { members: 3, ...(names.registered ? { name: names.registered } : {}) });
  const waitTwo = await seedFamily(h.db, { members: 2 });
  const waitOne = await seedFamily(h.db, { members: 1 });
  const registrations = new Registrations(h.db);
  await registrations.register(a.id, registered.id, 3);
  await registrations.register(a.id, waitTwo.id, 2);
  await registrations.register(a.id, waitOne.id, 1);
  return { a, registered, waitTwo, waitOne };
}

async function statuses(activityId: string): Promise<Record<string, string>> {
  const rows = await h.db.selectFrom('registrations').select(['family_id', 'status']).where('activity_id', '=', activityId).execute();
  return Object.fromEntries(rows.map((r) => [r.family_id, r.status]));
}

async function outbox(activityId: string) {
  return h.db.selectFrom('email_outbox').select(['recipient_key', 'purpose', 'status']).where('activity_id', '=', activityId).orderBy('recipient_key').execute();
}

/** A CSRF value for `jar`'s forms: every signed-in page carries one (the sign-out form), a 404 page too. */
async function csrfOf(jar: CookieJar): Promise<string> {
  const page = await request(`${h.baseUrl}/dashboard/no-such-page`, jar);
  if (!page.csrf) throw new Error('no csrf field on the page');
  return page.csrf;
}

const base = (activityId: string) => `${h.baseUrl}/dashboard/activities/${activityId}/registrations`;

describe('the registrations forms', () => {
  test('a cancellation through the confirm page changes what the JSON route changes, and sends the same email', async () => {
    const byForm = await scenario();
    const byApi = await scenario();
    const pm = await signIn(h, 'pm');

    const confirm = await request(`${base(byForm.a.id)}/${byForm.registered.id}/cancel`, pm);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain(byForm.registered.name);
    // Opening the confirm page changed nothing.
    expect((await statuses(byForm.a.id))[byForm.registered.id]).toBe('registered');
    // The page's own form (the first is the header's sign-out) posts back to the same address.
    const action = `/dashboard/activities/${byForm.a.id}/registrations/${byForm.registered.id}/cancel`;
    expect(confirm.text).toContain(`<form method="post" action="${action}">`);
    const done = await postForm(`${h.baseUrl}${action}`, pm, { csrf: confirm.csrf ?? '' });
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/dashboard/activities/${byForm.a.id}?done=cancelled&family=${byForm.registered.id}&n=2#registrations`);

    const api = await fetch(`${h.baseUrl}/api/activities/${byApi.a.id}/registrations/${byApi.registered.id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.pm}` } });
    expect(api.status).toBe(200);
    expect(await api.json()).toMatchObject({ cancelled: true, promoted: [byApi.waitTwo.id, byApi.waitOne.id], emails: { sent: 2 } });

    // The same records either way: who holds a place, and one promotion email each.
    const shape = async (s: typeof byForm) => {
      const st = await statuses(s.a.id);
      const mails = await outbox(s.a.id);
      return {
        statuses: [st[s.registered.id], st[s.waitTwo.id], st[s.waitOne.id]],
        emails: mails.map((m) => [m.recipient_key === `family:${s.waitTwo.id}` ? 'two' : m.recipient_key === `family:${s.waitOne.id}` ? 'one' : m.recipient_key, m.purpose, m.status]),
      };
    };
    expect(await shape(byForm)).toEqual(await shape(byApi));
    expect((await shape(byForm)).statuses).toEqual(['cancelled', 'registered', 'registered']);
  });

  test('a form without the page’s CSRF field, or from a grid worker, or from another compound’s property manager, is refused and changes nothing', async () => {
    const s = await scenario();
    // Room for the family of two: a promotion would change something.
    await h.db.updateTable('activities').set({ capacity: 5 }).where('id', '=', s.a.id).execute();
    const before = await statuses(s.a.id);

    const co = await signIn(h, 'co');
    expect((await postForm(`${base(s.a.id)}/promote`, co, { csrf: '' })).status).toBe(403);
    expect((await postForm(`${base(s.a.id)}/promote`, co, {})).status).toBe(403);

    const gw = await signIn(h, 'gw');
    const gwPromote = await postForm(`${base(s.a.id)}/promote`, gw, { csrf: await csrfOf(gw) });
    expect(gwPromote.status).toBe(403);
    expect((await request(`${base(s.a.id)}/${s.registered.id}/cancel`, gw)).status).toBe(404);

    const west = await signIn(h, 'pmWest');
    expect((await postForm(`${base(s.a.id)}/${s.registered.id}/cancel`, west, { csrf: await csrfOf(west) })).status).toBe(403);
    expect((await request(`${base(s.a.id)}/${s.registered.id}/cancel`, west)).status).toBe(403);
    expect((await request(`${base(s.a.id)}.csv`, west)).status).toBe(403);

    expect(await statuses(s.a.id)).toEqual(before);
    expect(await outbox(s.a.id)).toEqual([]);

    // The coordinator's own form, with its field: now the promotion happens.
    const promoted = await postForm(`${base(s.a.id)}/promote`, co, { csrf: await csrfOf(co) });
    expect(promoted.status).toBe(303);
    expect(promoted.location).toBe(`/dashboard/activities/${s.a.id}?done=promoted&n=1#registrations`);
    expect((await statuses(s.a.id))[s.waitTwo.id]).toBe('registered');
  });

  test('unknown activities and families are 404 pages, not errors', async () => {
    const s = await scenario();
    const co = await signIn(h, 'co');
    expect((await request(`${h.baseUrl}/dashboard/activities/no-such-activity/registrations.csv`, co)).status).toBe(404);
    expect((await request(`${base(s.a.id)}/no-such-family/cancel`, co)).status).toBe(404);
    expect((await request(`${base('bad id!')}.csv`, co)).status).toBe(404);
    const missing = await postForm(`${base('no-such-activity')}/promote`, co, { csrf: await csrfOf(co) });
    expect(missing.status).toBe(404);
  });
});

describe('the registrations CSV', () => {
  test('a supervisor downloads it with names, in English on request, and typed formulas are made inert', async () => {
    const s = await scenario({ registered: '=HYPERLINK("http://evil.example","点我")' });
    const su = await signIn(h, 'su');
    const zh = await request(`${base(s.a.id)}.csv`, su);
    expect(zh.status).toBe(200);
    expect(zh.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(zh.headers.get('content-disposition')).toContain('attachment');
    const rows = parseCsv(zh.text).map((r) => r.fields);
    expect(rows[0]?.[0]).toBe('名单');
    expect(rows[1]?.slice(0, 5)).toEqual(['已报名', '1', `'=HYPERLINK("http://evil.example","点我")`, '东苑', '3']);
    expect(rows.slice(2).map((r) => [r[0], r[1], r[4], r[5]])).toEqual([
      ['候补', '1', '2', '候补'],
      ['候补', '2', '1', '候补'],
    ]);
    expect(zh.text).not.toContain(s.registered.id);

    const en = await request(`${base(s.a.id)}.csv?lang=en`, su);
    const enRows = parseCsv(en.text).map((r) => r.fields);
    expect(enRows[0]).toEqual(['List', 'No.', 'Family / volunteer', 'Compound', 'People', 'Status', 'Registered', 'Checked in', 'Checked out', 'Hours']);
    expect(enRows[2]?.[0]).toBe('Waitlisted');
  });
});
