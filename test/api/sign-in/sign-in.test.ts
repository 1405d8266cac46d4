/** Staff sign-in by emailed link, over plain HTTP against the real app and a real mailbox. */
import { signActionToken } from '../../../links/action-token';
import {
  CookieJar,
  LINK_SECRET,
  STAFF,
  eventually,
  postForm,
  request,
  requestSignInLink,
  seenMail,
  signIn,
  signInLinkIn,
  signInMailTo,
  startDashboardHarness,
  type DashboardHarness,
} from '../dashboard/harness';

let h: DashboardHarness;

beforeAll(async () => {
  h = await startDashboardHarness({ worker: false });
});

afterAll(async () => {
  await h?.close();
});

const sessionCookie = (res: { headers: Headers }) => res.headers.getSetCookie().find((c) => c.startsWith('cg_session=') && !/expires=Thu, 01 Jan 1970/i.test(c));

describe('asking for a sign-in link', () => {
  it('the sign-in page is a form in Chinese by default, with a CSRF field', async () => {
    const page = await request(`${h.baseUrl}/sign-in`, new CookieJar());
    expect(page.status).toBe(200);
    expect(page.text).toContain('工作人员登录');
    expect(page.text).toContain('name="email"');
    expect(page.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('a staff address gets a link signed for step signIn, recipient staff:<id>, for 15 minutes', async () => {
    const link = await requestSignInLink(h, STAFF.co.email);
    const token = /\/sign-in\/([^?]+)/.exec(link)?.[1] ?? '';
    const claims = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { step: string; rcp: string; exp: number };
    expect(claims.step).toBe('signIn');
    expect(claims.rcp).toBe('staff:co-1');
    const minutes = (claims.exp * 1000 - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(15);
  });

  it('an unknown address gets the same answer and no email', async () => {
    const jar = new CookieJar();
    const form = await request(`${h.baseUrl}/sign-in`, jar);
    const seen = seenMail(h.mailbox);
    const unknown = await postForm(`${h.baseUrl}/sign-in`, jar, { csrf: form.csrf ?? '', email: 'nobody@example.test' });
    const known = await postForm(`${h.baseUrl}/sign-in`, jar, { csrf: form.csrf ?? '', email: STAFF.su.email.toUpperCase() });
    expect(unknown.status).toBe(200);
    expect(known.status).toBe(200);
    const strip = (t: string) => t.replace(/value="[^"]*"/g, '');
    expect(strip(unknown.text)).toBe(strip(known.text));
    // The known address (matched without regard to case) gets its link; the unknown one gets nothing.
    await signInMailTo(h.mailbox, STAFF.su.email, seen);
    // A sentinel: a later request's link has arrived, so the earlier request's work is done.
    await requestSignInLink(h, STAFF.co.email);
    expect(h.mailbox.messages().filter((m) => !seen.has(m.id) && m.to.includes('nobody@example.test'))).toHaveLength(0);
  });

  it('a POST without the CSRF value is refused and sends nothing', async () => {
    const seen = seenMail(h.mailbox);
    const res = await postForm(`${h.baseUrl}/sign-in`, new CookieJar(), { email: STAFF.co.email });
    expect(res.status).toBe(403);
    // A sentinel: a later, valid request's link has arrived; nothing else came before it.
    const sentinel = await requestSignInLink(h, STAFF.su.email);
    expect(h.mailbox.messages().filter((m) => !seen.has(m.id) && !m.text.includes(sentinel))).toHaveLength(0);
  });

  it('page loads and link opens do not use up the sign-in requests; the one over the limit gets 429 and sends nothing', async () => {
    const app = await h.startExtraApp({ signInRateLimit: { capacity: 3, perMinute: 1 } });
    try {
      const jar = new CookieJar();
      // A scanner's worth of page loads and link opens, well past the three sign-in requests.
      const link = `${app.baseUrl}/sign-in/${signActionToken(
        { v: 1, wf: 'sign-in:scanner-test', step: 'signIn', round: 0, rcp: `staff:${STAFF.gwWest.id}`, act: ['signIn'], exp: Math.floor(Date.now() / 1000) + 600 },
        LINK_SECRET,
      )}`;
      for (let i = 0; i < 10; i++) {
        expect((await request(`${app.baseUrl}/sign-in`, jar)).status).toBe(200);
        expect((await request(link, jar)).status).toBe(200);
        expect((await request(`${app.baseUrl}/sign-in/not-a-token`, jar)).status).toBe(400);
      }
      const form = await request(`${app.baseUrl}/sign-in`, jar);
      const seen = seenMail(h.mailbox);
      const ask = (email: string) => postForm(`${app.baseUrl}/sign-in`, jar, { csrf: form.csrf ?? '', email });
      // The three sign-in requests the limit allows are all still there...
      for (const who of ['co', 'su', 'pmWest'] as const) expect((await ask(STAFF[who].email)).status).toBe(200);
      for (const who of ['co', 'su', 'pmWest'] as const) await signInMailTo(h.mailbox, STAFF[who].email, seen);
      // ...and the fourth is refused.
      const refused = await ask(STAFF.gw.email);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(refused.text).toContain('请求过于频繁');
      // Using a link counts apart from asking for one: it still signs in.
      expect((await postForm(link, jar, { csrf: form.csrf ?? '' })).status).toBe(303);
      // A sentinel: a later link, asked for on the main app, has arrived; none went to the refused address.
      await requestSignInLink(h, STAFF.pm.email);
      expect(h.mailbox.messages().filter((m) => !seen.has(m.id) && m.to.includes(STAFF.gw.email))).toHaveLength(0);
    } finally {
      await app.close();
    }
  });

  it('page loads have a limit of their own, which leaves the sign-in requests alone', async () => {
    const app = await h.startExtraApp({ signInPageRateLimit: { capacity: 3, perMinute: 1 } });
    try {
      const jar = new CookieJar();
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await request(`${app.baseUrl}/sign-in`, jar)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const csrf = /name="csrf" value="([^"]+)"/.exec((await request(`${h.baseUrl}/sign-in`, jar)).text)?.[1] ?? '';
      const seen = seenMail(h.mailbox);
      expect((await postForm(`${app.baseUrl}/sign-in`, jar, { csrf, email: STAFF.su.email })).status).toBe(200);
      await signInMailTo(h.mailbox, STAFF.su.email, seen);
    } finally {
      await app.close();
    }
  });
});

describe('using the link', () => {
  it('a GET of the sign-in link alone signs no one in', async () => {
    const count = async (table: 'sessions' | 'used_sign_in_tokens') => (await h.db.selectFrom(table).select('staff_id').execute()).length;
    const before = { sessions: await count('sessions'), used: await count('used_sign_in_tokens') };
    const jar = new CookieJar();
    const link = await requestSignInLink(h, STAFF.co.email, jar);
    const shown = await request(link, jar);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('仅打开本页面不会登录');
    expect(shown.formAction).toBeDefined();
    expect(sessionCookie(shown)).toBeUndefined();
    // A HEAD (as some scanners send) neither.
    const head = await fetch(link, { method: 'HEAD', redirect: 'manual' });
    expect(sessionCookie(head)).toBeUndefined();
    const dashboard = await request(`${h.baseUrl}/dashboard`, jar);
    expect(dashboard.status).toBe(303);
    expect(dashboard.location).toBe('/sign-in?next=%2Fdashboard');
    expect({ sessions: await count('sessions'), used: await count('used_sign_in_tokens') }).toEqual(before);
    // The link still works afterwards: showing it used nothing up.
    expect((await postForm(link, jar, { csrf: shown.csrf ?? '' })).status).toBe(303);
  });

  it('the POST signs in once: an HttpOnly, SameSite=Lax session cookie, stored only as a hash', async () => {
    const jar = new CookieJar();
    const link = await requestSignInLink(h, STAFF.co.email, jar);
    const shown = await request(link, jar);
    const done = await postForm(link, jar, { csrf: shown.csrf ?? '' });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/dashboard');
    const cookie = sessionCookie(done) ?? '';
    expect(cookie).toMatch(/^cg_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
    const id = /^cg_session=([^;]+)/.exec(cookie)?.[1] ?? '';
    const rows = await h.db.selectFrom('sessions').selectAll().where('staff_id', '=', 'co-1').execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.id_hash === id)).toBe(false);
    expect(rows[0]).toMatchObject({ role: 'coordinator', compound_id: null });

    const home = await request(`${h.baseUrl}/dashboard`, jar);
    expect(home.status).toBe(200);
    expect(home.text).toContain('孵化周期与活动');
    expect(home.text).toContain('张协调');
  });

  it('a second use of a sign-in link is refused with a clear page and no session', async () => {
    const first = new CookieJar();
    const link = await requestSignInLink(h, STAFF.gw.email, first);
    const shown = await request(link, first);
    expect((await postForm(link, first, { csrf: shown.csrf ?? '' })).status).toBe(303);

    // The same link again, from another browser (say, the person's phone).
    const second = new CookieJar();
    const again = await request(link, second);
    expect(again.status).toBe(409);
    expect(again.text).toContain('此登录链接已经使用过');
    const csrf = (await request(`${h.baseUrl}/sign-in`, second)).csrf ?? '';
    const post = await postForm(link, second, { csrf });
    expect(post.status).toBe(409);
    expect(post.text).toContain('每个登录链接只能使用一次');
    expect(sessionCookie(post)).toBeUndefined();
    expect((await request(`${h.baseUrl}/dashboard`, second)).status).toBe(303);
  });

  it('two POSTs of one link at once open one session', async () => {
    const jar = new CookieJar();
    const link = await requestSignInLink(h, STAFF.pm.email, jar);
    const shown = await request(link, jar);
    const results = await Promise.all([1, 2, 3].map(() => postForm(link, jar, { csrf: shown.csrf ?? '' })));
    expect(results.map((r) => r.status).sort()).toEqual([303, 409, 409]);
  });

  it('a POST without the CSRF value signs no one in and leaves the link usable', async () => {
    const jar = new CookieJar();
    const link = await requestSignInLink(h, STAFF.su.email, jar);
    const refused = await postForm(link, jar, {});
    expect(refused.status).toBe(403);
    expect(sessionCookie(refused)).toBeUndefined();
    const shown = await request(link, jar);
    expect((await postForm(link, jar, { csrf: shown.csrf ?? '' })).status).toBe(303);
  });

  it('expired, tampered and other-step links are refused with their own pages', async () => {
    const jar = new CookieJar();
    const expired = signActionToken({ v: 1, wf: 'sign-in:x', step: 'signIn', round: 0, rcp: 'staff:co-1', act: ['signIn'], exp: Math.floor(Date.now() / 1000) - 1 }, LINK_SECRET);
    const expiredPage = await request(`${h.baseUrl}/sign-in/${expired}`, jar);
    expect(expiredPage.status).toBe(410);
    expect(expiredPage.text).toContain('登录链接已过期');

    const good = await requestSignInLink(h, STAFF.co.email, jar);
    const token = /\/sign-in\/([^?]+)/.exec(good)?.[1] ?? '';
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await request(`${h.baseUrl}/sign-in/${tampered}`, jar)).status).toBe(400);

    // An approval link, however well signed, is not a sign-in link.
    const approval = signActionToken({ v: 1, wf: 'themed-activity:x', step: 'approval', round: 1, rcp: 'staff:co-1', act: ['approve'], exp: Math.floor(Date.now() / 1000) + 600 }, LINK_SECRET);
    expect((await request(`${h.baseUrl}/sign-in/${approval}`, jar)).status).toBe(400);
  });

  it('the link returns to the dashboard page asked for, and only to a dashboard page', async () => {
    const jar = new CookieJar();
    const asked = await request(`${h.baseUrl}/dashboard/leaderboard`, jar);
    expect(asked.location).toBe('/sign-in?next=%2Fdashboard%2Fleaderboard');
    const form = await request(`${h.baseUrl}${asked.location}`, jar);
    expect(form.text).toContain('name="next" value="/dashboard/leaderboard"');
    const seen = seenMail(h.mailbox);
    await postForm(`${h.baseUrl}/sign-in`, jar, { csrf: form.csrf ?? '', email: STAFF.co.email, next: '/dashboard/leaderboard' });
    const link = signInLinkIn(await signInMailTo(h.mailbox, STAFF.co.email, seen));
    expect(link).toContain('?next=%2Fdashboard%2Fleaderboard');
    const shown = await request(link, jar);
    const done = await postForm(link, jar, { csrf: shown.csrf ?? '' });
    expect(done.location).toBe('/dashboard/leaderboard');

    // A next that leaves the dashboard is ignored.
    const other = new CookieJar();
    const link2 = await requestSignInLink(h, STAFF.co.email, other);
    const evil = `${link2.split('?')[0]}?next=${encodeURIComponent('//evil.example/')}`;
    const shown2 = await request(evil, other);
    expect((await postForm(evil, other, { csrf: shown2.csrf ?? '' })).location).toBe('/dashboard');
  });

  it('on an https base URL the session cookie is Secure and __Host- prefixed', async () => {
    const config = { ...h.config, http: { ...h.config.http, publicBaseUrl: 'https://cogov.example.test' } };
    const app = await h.startExtraApp({ config });
    try {
      const jar = new CookieJar();
      const link = (await requestSignInLink(h, STAFF.co.email)).replace(h.baseUrl, app.baseUrl);
      const shown = await request(link, jar);
      const done = await postForm(link, jar, { csrf: shown.csrf ?? '' });
      expect(done.status).toBe(303);
      const cookie = done.headers.getSetCookie().find((c) => c.startsWith('__Host-cg_session=')) ?? '';
      expect(cookie).toMatch(/; Secure/i);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).toMatch(/Path=\//);
    } finally {
      await app.close();
    }
  });
});

describe('signing out', () => {
  it('ends the session: the cookie is cleared and the old value no longer works', async () => {
    const jar = await signIn(h, 'co');
    const stolen = jar.get('cg_session') ?? '';
    const home = await request(`${h.baseUrl}/dashboard`, jar);
    const out = await postForm(`${h.baseUrl}/sign-out`, jar, { csrf: home.csrf ?? '' });
    expect(out.status).toBe(303);
    expect(out.location).toBe('/sign-in?out=1');
    expect(jar.get('cg_session')).toBeUndefined();
    const replay = await fetch(`${h.baseUrl}/dashboard`, { headers: { cookie: `cg_session=${stolen}` }, redirect: 'manual' });
    expect(replay.status).toBe(303);
  });

  it('sign-out without the CSRF value changes nothing', async () => {
    const jar = await signIn(h, 'co');
    expect((await postForm(`${h.baseUrl}/sign-out`, jar, {})).status).toBe(403);
    expect((await request(`${h.baseUrl}/dashboard`, jar)).status).toBe(200);
  });
});

describe('links per address', () => {
  it('past the per-address limit, the answer is the same and no link is sent', async () => {
    const app = await h.startExtraApp({ signInAddressLimit: { capacity: 2, perMinute: 0.1 } });
    try {
      const jar = new CookieJar();
      const form = await request(`${app.baseUrl}/sign-in`, jar);
      const seen = seenMail(h.mailbox);
      const logsBefore = h.logs.length;
      const answers: string[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await postForm(`${app.baseUrl}/sign-in`, jar, { csrf: form.csrf ?? '', email: STAFF.pmWest.email });
        expect(res.status).toBe(200);
        answers.push(res.text);
      }
      expect(new Set(answers).size).toBe(1);
      // The refusals are recorded as they are decided, before the answer goes out.
      const refused = h.logs.slice(logsBefore).filter((l) => l.level === 'warn' && l.message.includes('too many links asked for one address'));
      expect(refused).toHaveLength(2);
      // The two links within the limit arrive (sends may finish in any order)...
      const pmWestMail = () => h.mailbox.messages().filter((m) => !seen.has(m.id) && m.to.includes(STAFF.pmWest.email));
      await eventually(async () => (pmWestMail().length >= 2 ? true : undefined), 15_000, 'the two links within the limit');
      // ...then the sentinel: a link for another address, asked for only now on the same app.
      // When it has arrived, a link for the limited address would long have arrived too.
      const sentinel = await postForm(`${app.baseUrl}/sign-in`, jar, { csrf: form.csrf ?? '', email: STAFF.su.email });
      expect(sentinel.text).toBe(answers[0]);
      await signInMailTo(h.mailbox, STAFF.su.email, seen);
      expect(pmWestMail()).toHaveLength(2);
    } finally {
      await app.close();
    }
  });
});

describe('where a form may come from', () => {
  it('a browser’s same-origin POST with Origin: null (no-referrer pages) is accepted; a cross-site one is not', async () => {
    const jar = new CookieJar();
    const link = await requestSignInLink(h, STAFF.co.email, jar);
    const shown = await request(link, jar);
    const post = (headers: Record<string, string>) =>
      request(link, jar, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ csrf: shown.csrf ?? '' }).toString() });
    expect((await post({ origin: 'null', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post({ origin: 'null' })).status).toBe(403);
    expect((await post({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ origin: 'null', 'sec-fetch-site': 'same-origin' })).status).toBe(303);
  });
});
