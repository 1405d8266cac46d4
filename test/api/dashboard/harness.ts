/**
 * A real app for the dashboard and browser tests (modelled on test/api/harness.ts): a migrated
 * SQLite database in a temp dir with two compounds, their staff and families, a dev mailbox the
 * real SMTP mailer sends to, optionally the real worker on its own task queue against the shared
 * dev server, one Client, and the app listening on port 0. Config overrides let a test shorten
 * the workflow's waits so an activity runs start to finish in well under a minute.
 */
import type { PlanRequestInput } from '../../../api/activities/schemas';
import type { DevMailbox, StoredMail } from '../../../mail/dev-mailbox';
import { eventually as poll, startAppHarness, type AppHarness, type AppHarnessOptions } from '../../support/app-harness';
import { STAFF as API_STAFF } from '../harness';
import { insertPeople } from '../../db/fixtures';

export { communityPlan, unique } from '../../support/app-harness';

export const LINK_SECRET = 'dashboard-test-link-secret-0123456789abcdefghij'; // 48 chars

/** The API tests' directory of staff, and a grid worker of the west compound for the scope pages. */
export const STAFF = {
  ...API_STAFF,
  gwWest: { id: 'gw-west', role: 'gridWorker', name: '周网格', email: 'gw-west@example.test', compound: 'c-west' },
} as const;
export type Who = keyof typeof STAFF;

/** Bearer tokens for the JSON API (config STAFF_TOKENS). */
export const TOKENS: Record<Who, string> = {
  pm: 'dash-token-pm-east-0123456789ab',
  gw: 'dash-token-gw-east-0123456789ab',
  co: 'dash-token-coordinator-01234567',
  su: 'dash-token-supervisor-012345678',
  pmWest: 'dash-token-pm-west-0123456789ab',
  gwWest: 'dash-token-gw-west-0123456789ab',
};

export const FAMILIES = [
  { id: 'fam-east-1', compound_id: 'c-east', name: '刘家', email: 'liu@example.test', members: 3 },
  { id: 'fam-east-2', compound_id: 'c-east', name: '孙家', email: 'sun@example.test', members: 2 },
  { id: 'fam-west-1', compound_id: 'c-west', name: '吴家', email: 'wu@example.test', members: 4 },
] as const;

export type DashboardHarness = AppHarness;

export function startDashboardHarness(options: { worker: boolean; env?: Record<string, string>; extraActivities?: AppHarnessOptions<string>['extraActivities']; dialect?: AppHarnessOptions<string>['dialect'] }): Promise<DashboardHarness> {
  return startAppHarness({
    tmpPrefix: 'cogov-dash-',
    taskQueuePrefix: 'dash-test-',
    linkSecret: LINK_SECRET,
    mailFrom: 'noreply@jinhua.example.test',
    messageIdDomain: 'jinhua.example.test',
    staff: STAFF,
    tokens: TOKENS,
    seed: async (db) => {
      await insertPeople(db, { families: FAMILIES });
    },
    worker: options.worker,
    env: options.env,
    ...(options.extraActivities ? { extraActivities: options.extraActivities } : {}),
    ...(options.dialect ? { dialect: options.dialect } : {}),
    deps: {
      // Many requests come from one address; the limits have their own tests.
      linkRateLimit: { capacity: 1000, perMinute: 1000 },
      signInRateLimit: { capacity: 1000, perMinute: 1000 },
      signInPageRateLimit: { capacity: 1000, perMinute: 1000 },
      signInAddressLimit: { capacity: 1000, perMinute: 1000 },
    },
  });
}

// ---- data ---------------------------------------------------------------------------------------

/** Starts an activity through the JSON API, as a coordinator; returns its id. */
export async function startActivity(h: DashboardHarness, cycleId: string, plan: PlanRequestInput): Promise<string> {
  const res = await fetch(`${h.baseUrl}/api/activities`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS.co}`, 'content-type': 'application/json' },
    body: JSON.stringify({ cycleId, plan }),
  });
  const body = (await res.json()) as { activityId?: string };
  if (res.status !== 201 || !body.activityId) throw new Error(`start failed: ${res.status} ${JSON.stringify(body)}`);
  return body.activityId;
}

// ---- mail ---------------------------------------------------------------------------------------

const SIGN_IN_LINK = /(https?:\/\/[^\s"<>]+\/sign-in\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?:\?[^\s"<>]*)?)/;
const ACTION_LINK = /(https?:\/\/[^\s"<>]+\/a\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/;

export function signInLinkIn(mail: StoredMail): string {
  const m = SIGN_IN_LINK.exec(mail.text);
  if (!m?.[1]) throw new Error(`no sign-in link in mail "${mail.subject}"`);
  return m[1];
}

export function actionLinkIn(mail: StoredMail): string {
  const m = ACTION_LINK.exec(mail.text);
  if (!m?.[1]) throw new Error(`no action link in mail "${mail.subject}"`);
  return m[1];
}

/** Ids of the messages the mailbox holds now: what arrives later is new. */
export function seenMail(mailbox: DevMailbox): Set<string> {
  return new Set(mailbox.messages().map((m) => m.id));
}

/** The next sign-in email to `email` that is not in `seen`. */
export function signInMailTo(mailbox: DevMailbox, email: string, seen: ReadonlySet<string>, timeoutMs = 15_000): Promise<StoredMail> {
  return mailbox.waitFor((m) => !seen.has(m.id) && m.to.includes(email) && SIGN_IN_LINK.test(m.text), timeoutMs);
}

// ---- HTTP as a browser would, with a small cookie jar -------------------------------------------

export class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0/i.test(line);
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

export interface Page {
  status: number;
  text: string;
  headers: Headers;
  location?: string;
  /** The hidden csrf field of the page's (first) form. */
  csrf?: string;
  /** The action of the page's first form. */
  formAction?: string;
}

export async function request(url: string, jar: CookieJar, init: RequestInit = {}): Promise<Page> {
  const headers = new Headers(init.headers);
  const cookie = jar.header();
  if (cookie) headers.set('cookie', cookie);
  const res = await fetch(url, { redirect: 'manual', ...init, headers });
  jar.take(res);
  const text = await res.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(text)?.[1];
  const formAction = /<form method="post" action="([^"]+)"/.exec(text)?.[1]?.replace(/&amp;/g, '&');
  const location = res.headers.get('location') ?? undefined;
  return { status: res.status, text, headers: res.headers, ...(location ? { location } : {}), ...(csrf ? { csrf } : {}), ...(formAction ? { formAction } : {}) };
}

export async function postForm(url: string, jar: CookieJar, fields: Record<string, string>): Promise<Page> {
  return request(url, jar, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
}

/** Asks for a sign-in link for `email` and returns it from the mailbox. */
export async function requestSignInLink(h: DashboardHarness, email: string, jar = new CookieJar()): Promise<string> {
  const form = await request(`${h.baseUrl}/sign-in`, jar);
  const seen = seenMail(h.mailbox);
  const sent = await postForm(`${h.baseUrl}/sign-in`, jar, { csrf: form.csrf ?? '', email });
  if (sent.status !== 200) throw new Error(`sign-in request answered ${sent.status}`);
  return signInLinkIn(await signInMailTo(h.mailbox, email, seen));
}

/** Signs in as `who` over HTTP; the returned jar carries the session cookie. */
export async function signIn(h: DashboardHarness, who: Who): Promise<CookieJar> {
  const jar = new CookieJar();
  const link = await requestSignInLink(h, STAFF[who].email, jar);
  const shown = await request(link, jar);
  const done = await postForm(link, jar, { csrf: shown.csrf ?? '' });
  if (done.status !== 303) throw new Error(`sign-in answered ${done.status}: ${done.text.slice(0, 300)}`);
  return jar;
}

/** Polls until `check` returns a value (not undefined), or fails after timeoutMs. */
export function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition', intervalMs = 250): Promise<T> {
  return poll(check, timeoutMs, what, intervalMs);
}
