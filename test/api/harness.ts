/**
 * Everything an API test needs, all real: a migrated SQLite database in a temp dir with a seeded
 * directory, a dev mailbox the real SMTP mailer sends to, the real activities on a worker (its own
 * task queue) against the shared dev server, one Client, and the app listening on port 0
 * (built by test/support/app-harness.ts).
 */
import type { PlanRequestInput } from '../../api/activities/schemas';
import type { DevMailbox, StoredMail } from '../../mail/dev-mailbox';
import { communityPlan, startAppHarness, type AppHarness } from '../support/app-harness';
import type { DialectName } from '../db/harness';

export { DAY, HOUR, communityPlan, eventually, seedCycle, seedMerchant, unique } from '../support/app-harness';

export const LINK_SECRET = 'api-test-link-secret-0123456789abcdefghijklmnopqr'; // 48 chars

export const STAFF = {
  pm: { id: 'pm-east', role: 'propertyManager', name: '王管家', email: 'pm-east@example.test', compound: 'c-east' },
  gw: { id: 'gw-east', role: 'gridWorker', name: '李网格', email: 'gw-east@example.test', compound: 'c-east' },
  co: { id: 'co-1', role: 'coordinator', name: '张协调', email: 'coord@example.test', compound: null },
  su: { id: 'su-1', role: 'supervisor', name: '陈督导', email: 'sup@example.test', compound: null },
  pmWest: { id: 'pm-west', role: 'propertyManager', name: '赵管家', email: 'pm-west@example.test', compound: 'c-west' },
} as const;

export const TOKENS = {
  pm: 'token-pm-east-0123456789abcdef',
  gw: 'token-gw-east-0123456789abcdef',
  co: 'token-coordinator-0123456789ab',
  su: 'token-supervisor-0123456789abc',
  pmWest: 'token-pm-west-0123456789abcdef',
} as const;
export type Who = keyof typeof TOKENS;

export type ApiHarness = AppHarness;

export function startApiHarness(options: { worker: boolean; dialect?: DialectName; env?: Record<string, string> }): Promise<ApiHarness> {
  return startAppHarness({
    tmpPrefix: 'cogov-api-',
    taskQueuePrefix: 'api-test-',
    linkSecret: LINK_SECRET,
    mailFrom: 'noreply@jinhua.example.test',
    messageIdDomain: 'jinhua.example.test',
    staff: STAFF,
    tokens: TOKENS,
    worker: options.worker,
    ...(options.dialect ? { dialect: options.dialect } : {}),
    ...(options.env ? { env: options.env } : {}),
    // The shared suite makes many requests from one address; the limit itself has its own test.
    deps: { linkRateLimit: { capacity: 1000, perMinute: 1000 } },
  });
}

// ---- data ------------------------------------------------------------------------------------

/** A plan asking the merchant (in the directory: see seedMerchant) for a venue, by id: the API reads the rest from the directory. */
export function merchantPlan(title: string, merchant: { id: string }): PlanRequestInput {
  return communityPlan(title, { venue: { kind: 'merchant', hours: 2, candidateMerchants: [{ merchantId: merchant.id }] } });
}

// ---- HTTP ------------------------------------------------------------------------------------

export interface JsonResponse {
  status: number;
  body: any;
  headers: Headers;
}

export async function api(
  baseUrl: string,
  method: string,
  path: string,
  opts: { who?: Who; token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token ?? (opts.who ? TOKENS[opts.who] : undefined);
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export interface PageResponse {
  status: number;
  text: string;
  headers: Headers;
  /** `a_csrf=<value>` from Set-Cookie, when the page set one. */
  cookie?: string;
  /** The hidden csrf field of the page's form, when there is one. */
  csrf?: string;
}

export async function page(url: string, init: RequestInit = {}): Promise<PageResponse> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('a_csrf='));
  const cookie = setCookie?.split(';')[0];
  const csrf = /name="csrf" value="([^"]+)"/.exec(text)?.[1];
  return { status: res.status, text, headers: res.headers, ...(cookie ? { cookie } : {}), ...(csrf ? { csrf } : {}) };
}

/** Loads the link's page (for the CSRF cookie and field) and posts the form as a browser would. */
export async function submit(link: string, fields: Record<string, string>, opts: { from?: PageResponse; headers?: Record<string, string> } = {}): Promise<PageResponse> {
  const shown = opts.from ?? (await page(link));
  const form = new URLSearchParams({ ...(shown.csrf ? { csrf: shown.csrf } : {}), ...fields });
  return page(link, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(shown.cookie ? { cookie: shown.cookie } : {}),
      ...opts.headers,
    },
    body: form.toString(),
  });
}

const LINK = /(https?:\/\/[^\s"<>]+\/a\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/;

export function linkIn(mail: StoredMail): string {
  const m = LINK.exec(mail.text);
  if (!m?.[1]) throw new Error(`no action link in mail "${mail.subject}"`);
  return m[1];
}

export function mailTo(mailbox: DevMailbox, email: string, subjectIncludes: string, timeoutMs = 30_000): Promise<StoredMail> {
  return mailbox.waitFor((m) => m.to.includes(email) && m.subject.includes(subjectIncludes), timeoutMs);
}
