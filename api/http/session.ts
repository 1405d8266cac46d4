/**
 * Dashboard sessions, and the cookies the staff pages share: the session cookie, the CSRF
 * double-submit cookie and the language cookie.
 *
 * A session is a random 256-bit id in an HttpOnly, SameSite=Lax cookie (Secure, and `__Host-`
 * prefixed, when the public base URL is https); the `sessions` table keeps only its SHA-256, with
 * the staff member's id, role and compound as they were at sign-in and an absolute expiry. A
 * session whose staff member left the directory, or whose role or compound changed, is refused.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { parse as parseCookie } from 'cookie';
import type { Config } from '../../config';
import type { SessionRepository } from '../../db/repositories';
import type { StaffRoleText } from '../../db/types';
import type { Locale } from '../../domain/schemas';

/** Who is signed in, as every dashboard page sees it. */
export interface StaffSession {
  staffId: string;
  role: StaffRoleText;
  /** The compound a property manager or grid worker serves; null for the others. */
  compound: string | null;
  name: string;
  expiresAt: string;
}

export const SESSION_TTL_MS = 12 * 3_600_000;
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const CSRF_VALUE = /^[A-Za-z0-9_-]{43}$/;
const LANG_MAX_AGE_MS = 365 * 86_400_000;

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** One cookie of the request, by the `cookie` library's RFC 6265 reading (values are URL-decoded). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  // Parsed once per request: the session, CSRF and language guards each read a cookie.
  let parsed = parsedCookies.get(req);
  if (parsed?.header !== header) {
    parsed = { header, cookies: parseCookie(header) };
    parsedCookies.set(req, parsed);
  }
  return parsed.cookies[name];
}

const parsedCookies = new WeakMap<Request, { header: string; cookies: ReturnType<typeof parseCookie> }>();

/** Cookie names and flags for one deployment: Secure (and `__Host-`) only on an https base URL. */
export interface CookiePolicy {
  secure: boolean;
  session: string;
  csrf: string;
  lang: string;
  publicOrigin: string;
}

export function cookiePolicy(config: Config): CookiePolicy {
  const secure = config.http.publicBaseUrl.startsWith('https:');
  const prefix = secure ? '__Host-' : '';
  return { secure, session: `${prefix}cg_session`, csrf: `${prefix}cg_csrf`, lang: 'cg_lang', publicOrigin: new URL(config.http.publicBaseUrl).origin };
}

export interface SessionStoreOptions {
  ttlMs?: number;
  /** Epoch ms. */
  now?: () => number;
}

export class SessionStore {
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly repo: SessionRepository,
    options: SessionStoreOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? SESSION_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * Spends the sign-in link (`token`, valid until `tokenExpiresAtMs`) and opens a new session for
   * the staff member, in one transaction. Returns the cookie value. A link already spent fails
   * with the database's unique violation (`isUniqueViolation`).
   */
  async openWithSignInToken(
    token: string,
    tokenExpiresAtMs: number,
    staff: { id: string; role: StaffRoleText; compound_id: string | null },
  ): Promise<{ id: string; expiresAt: string }> {
    const id = randomBytes(32).toString('base64url');
    const nowMs = this.now();
    const nowIso = new Date(nowMs).toISOString();
    const expiresAt = new Date(nowMs + this.ttlMs).toISOString();
    await this.repo.openSessionSpendingToken(
      { tokenHash: sha256(token), staffId: staff.id, usedAt: nowIso, expiresAt: new Date(tokenExpiresAtMs).toISOString() },
      { idHash: sha256(id), staff, createdAt: nowIso, expiresAt },
    );
    return { id, expiresAt };
  }

  /** Whether this sign-in link was already used. */
  async signInTokenSpent(token: string): Promise<boolean> {
    return this.repo.isSignInTokenSpent(sha256(token));
  }

  /** The live session for a cookie value, or undefined (unknown, expired, or the directory changed). */
  async find(id: string | undefined): Promise<StaffSession | undefined> {
    if (!id || !SESSION_ID.test(id)) return undefined;
    const row = await this.repo.findActiveSession(sha256(id), new Date(this.now()).toISOString());
    if (!row) return undefined;
    if (row.current_role !== row.role || (row.current_compound ?? null) !== (row.compound_id ?? null)) return undefined;
    return { staffId: row.staff_id, role: row.role, compound: row.compound_id ?? null, name: row.name, expiresAt: row.expires_at };
  }

  async end(id: string | undefined): Promise<void> {
    if (!id || !SESSION_ID.test(id)) return;
    await this.repo.deleteSession(sha256(id));
  }

  /** Deletes expired sessions and spent sign-in tokens past their expiry. */
  async purgeExpired(): Promise<void> {
    await this.repo.purgeExpired(new Date(this.now()).toISOString());
  }
}

export function setSessionCookie(res: Response, policy: CookiePolicy, id: string, expiresAt: string): void {
  res.cookie(policy.session, id, { httpOnly: true, sameSite: 'lax', secure: policy.secure, path: '/', expires: new Date(expiresAt) });
}

export function clearSessionCookie(res: Response, policy: CookiePolicy): void {
  res.clearCookie(policy.session, { httpOnly: true, sameSite: 'lax', secure: policy.secure, path: '/' });
}

// ---- CSRF: double submit, one issuer and one verifier for every form ------------------------

/**
 * Where a page family keeps its double-submit value: the action links and families' pages scope
 * theirs to the page's own path; the staff pages share one for the whole site.
 */
export interface CsrfCookie {
  name: string;
  path: string;
  secure: boolean;
  /** This deployment's origin (PUBLIC_BASE_URL's), accepted as a form's Origin. */
  publicOrigin: string;
}

/** The staff pages' CSRF cookie (sign-in, sign-out and the dashboard share it). */
export function staffCsrfCookie(policy: CookiePolicy): CsrfCookie {
  return { name: policy.csrf, path: '/', secure: policy.secure, publicOrigin: policy.publicOrigin };
}

/** The CSRF value for this browser: the cookie's when it has a good one, else a new one (set here). */
export function issueCsrf(req: Request, res: Response, cookie: CsrfCookie): string {
  const existing = readCookie(req, cookie.name);
  const value = existing && CSRF_VALUE.test(existing) ? existing : randomBytes(32).toString('base64url');
  res.cookie(cookie.name, value, { httpOnly: true, sameSite: 'strict', secure: cookie.secure, path: cookie.path, maxAge: 12 * 3_600_000 });
  return value;
}

/** A form field's string value ('' when missing or not a string). */
export function formField(body: unknown, name: string): string {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v : '';
}

/**
 * The one CSRF rule for every POST form (sign-in, action links, self-service pages): not from
 * another site by Sec-Fetch-Site or Origin, and the hidden `csrf` field equals its cookie.
 * Our pages send `Referrer-Policy: no-referrer`, under which browsers send `Origin: null` with a
 * form POST; that is accepted only when the browser also says the request is same-origin.
 */
export function formIsOurs(req: Request, cookie: Pick<CsrfCookie, 'name' | 'publicOrigin'>): boolean {
  const site = req.get('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') return false;
  const origin = req.get('origin');
  if (origin === 'null') {
    if (site !== 'same-origin') return false;
  } else if (origin !== undefined && origin !== cookie.publicOrigin && origin !== `${req.protocol}://${req.get('host') ?? ''}`) return false;
  const value = readCookie(req, cookie.name) ?? '';
  const field = formField(req.body, 'csrf');
  if (!CSRF_VALUE.test(value) || !CSRF_VALUE.test(field)) return false;
  return timingSafeEqual(Buffer.from(value, 'ascii'), Buffer.from(field, 'ascii'));
}

// ---- language ------------------------------------------------------------------------------

function parseLang(value: unknown): Locale | undefined {
  if (typeof value !== 'string') return undefined;
  const l = value.toLowerCase();
  if (l === 'en' || l.startsWith('en-')) return 'en';
  if (l === 'zh' || l === 'zh-cn' || l.startsWith('zh-')) return 'zh-CN';
  return undefined;
}

/**
 * The staff pages' language: `?lang=` (remembered in a cookie), else the cookie, else the
 * configured default (Simplified Chinese). Accept-Language is not consulted: the team reads
 * Chinese, and a browser set to English must not switch the dashboard by itself.
 */
export function staffLocale(req: Request, res: Response, policy: CookiePolicy, fallback: Locale): Locale {
  const asked = parseLang(req.query.lang);
  if (asked) {
    if (readCookie(req, policy.lang) !== asked) {
      res.cookie(policy.lang, asked, { httpOnly: true, sameSite: 'lax', secure: policy.secure, path: '/', maxAge: LANG_MAX_AGE_MS });
    }
    return asked;
  }
  return parseLang(readCookie(req, policy.lang)) ?? fallback;
}

// ---- the guard -----------------------------------------------------------------------------

/** Only paths under /dashboard may be returned to after signing in (no open redirect). */
export function safeNext(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 500) return undefined;
  return /^\/dashboard(?:[/?][A-Za-z0-9_.~%/?=&:-]*)?$/.test(value) && !value.includes('//') ? value : undefined;
}

/**
 * Admits a request with a live session (`res.locals.staffSession`). Without one, a GET is sent to
 * the sign-in page (coming back here afterwards); anything else gets 401.
 */
export function requireSession(store: SessionStore, policy: CookiePolicy, onUnauthorised: (req: Request, res: Response) => void): RequestHandler {
  return async (req, res, next) => {
    const session = await store.find(readCookie(req, policy.session));
    if (!session) {
      res.setHeader('Cache-Control', 'no-store');
      if (req.method === 'GET' || req.method === 'HEAD') {
        const next = safeNext(req.originalUrl);
        res.redirect(303, next ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in');
        return;
      }
      onUnauthorised(req, res);
      return;
    }
    res.locals.staffSession = session;
    next();
  };
}

export function sessionOf(res: Response): StaffSession {
  const s = res.locals.staffSession as StaffSession | undefined;
  if (!s) throw new Error('sessionOf: route has no requireSession');
  return s;
}
