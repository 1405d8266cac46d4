/**
 * The fault test's people: an HTTP client that logs every request it makes (the checks read the
 * log), and the driver of one activity from its plan to its end as the staff, the grid worker,
 * the families and the supervisor would: the JSON API with a coordinator's bearer token, and the
 * links in the emails the SMTP receiver accepted (GET shows, a form POST with its CSRF value acts).
 * Every step is retried while a part is down; what it saw is recorded for the checks.
 */
import type { Kysely } from 'kysely';
import { readSelfServiceToken } from '../../api/family/links';
import type { Database } from '../../db/types';
import type { HttpRecord, PersonAt } from './checks';
import type { AcceptedMail } from './smtp';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Answer {
  status: number | undefined;
  text: string;
  json: Record<string, unknown>;
  cookies: string[];
}

export class Http {
  readonly log: HttpRecord[] = [];

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async call(
    method: 'GET' | 'POST',
    path: string,
    opts: { json?: unknown; form?: Record<string, string>; cookies?: string[]; bearer?: boolean } = {},
  ): Promise<Answer> {
    const url = path.startsWith('http') ? path : `${this.baseUrl}${path}`;
    const headers: Record<string, string> = {};
    if (opts.bearer !== false) headers.authorization = `Bearer ${this.token}`;
    let body: string | undefined;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(opts.form).toString();
    }
    if (opts.cookies?.length) headers.cookie = opts.cookies.join('; ');
    const record: HttpRecord = { at: Date.now(), end: 0, method, route: routeOf(new URL(url).pathname) };
    this.log.push(record);
    try {
      const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(30_000), redirect: 'manual' });
      const text = await res.text();
      record.status = res.status;
      let json: Record<string, unknown> = {};
      if ((res.headers.get('content-type') ?? '').includes('json')) {
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = {};
        }
      }
      return { status: res.status, text, json, cookies: res.headers.getSetCookie().map((c) => c.split(';')[0]!) };
    } catch (err) {
      record.error = (err as Error).name === 'TimeoutError' ? 'timeout' : String((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message);
      return { status: undefined, text: '', json: {}, cookies: [] };
    } finally {
      record.end = Date.now();
    }
  }

  /** Retries while there is no answer or a 503/429, until `done` accepts the answer or `deadline`. */
  async until(deadline: number, attempt: () => Promise<Answer>, done: (a: Answer) => boolean, pauseMs = 1_000): Promise<Answer | undefined> {
    for (;;) {
      const a = await attempt();
      if (done(a)) return a;
      if (Date.now() > deadline) return undefined;
      await sleep(pauseMs);
    }
  }
}

/** `/api/activities/chaos-3/check-ins` → `/api/activities/:id/check-ins`, tokens → `:token`. */
export function routeOf(pathname: string): string {
  return pathname
    .replace(/^\/(a|s|f|q|m)\/[^/]+/, '/$1/:token')
    .replace(/\/(activities|families|cycles|directory\/[a-z]+)\/[^/]+/g, '/$1/:id');
}

export interface World {
  http: Http;
  db: Kysely<Database>;
  mails: AcceptedMail[];
  linkSecret: string;
  coordinatorId: string;
  /** Records for the checks. */
  checkIns2xx: PersonAt[];
  probes: { activityId: string; opensAt: number; acceptedAt: number | undefined }[];
  notes: string[];
  /** How many of each step were taken through an emailed link (the rest through the API). */
  byLink: { approvals: number; registrations: number; checkIns: number; feedback: number };
}

export interface ActivitySpec {
  activityId: string;
  cycleId: string;
  compound: string;
  propertyManagerId: string;
  gridWorkerEmail: string;
  supervisorEmail: string;
  title: string;
  startsAt: number;
  endsAt: number;
  /** When check-in opens (startsAt less ATTENDANCE_OPENS_BEFORE): registration closes then. */
  opensAt: number;
  families: { id: string; email: string; qrToken: string }[];
}

async function waitForMail(w: World, match: (m: AcceptedMail) => boolean, deadline: number): Promise<AcceptedMail | undefined> {
  for (;;) {
    const found = [...w.mails].reverse().find(match);
    if (found) return found;
    if (Date.now() > deadline) return undefined;
    await sleep(1_000);
  }
}

async function dbStage(w: World, activityId: string): Promise<{ stage: string; opensAt: string | null; closesAt: string | null; attention: boolean } | undefined> {
  try {
    const row = await w.db.selectFrom('activities').select(['stage', 'attendance_opens_at', 'attendance_closes_at', 'attention_json']).where('id', '=', activityId).executeTakeFirst();
    return row ? { stage: row.stage, opensAt: row.attendance_opens_at, closesAt: row.attendance_closes_at, attention: !!row.attention_json } : undefined;
  } catch {
    return undefined;
  }
}

async function waitForStage(w: World, activityId: string, ok: (stage: string) => boolean, deadline: number): Promise<string | undefined> {
  for (;;) {
    const s = await dbStage(w, activityId);
    if (s && ok(s.stage)) return s.stage;
    if (Date.now() > deadline) return s?.stage;
    await sleep(1_000);
  }
}

const LINK = (prefix: 'a' | 's') => new RegExp(`https?://[^\\s"<>]+/${prefix}/[A-Za-z0-9_.-]+`, 'g');

/** GET the page (it shows), then POST its form with the CSRF value it set (it acts). */
async function actOnLink(w: World, url: string, fields: Record<string, string>, deadline: number): Promise<Answer | undefined> {
  return w.http.until(
    deadline,
    async () => {
      const page = await w.http.call('GET', url, { bearer: false });
      if (page.status !== 200) return page;
      const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
      return w.http.call('POST', url, { bearer: false, cookies: page.cookies, form: { ...fields, csrf } });
    },
    (a) => a.status !== undefined && a.status < 500 && a.status !== 429,
  );
}

function selfLink(w: World, mail: AcceptedMail, step: 'register' | 'checkIn'): string | undefined {
  for (const url of mail.text.match(LINK('s')) ?? []) {
    const read = readSelfServiceToken(url.split('/s/')[1] ?? '', w.linkSecret, Date.now());
    if (read.kind === 'ok' && read.step === step) return url;
  }
  return undefined;
}

/** Drives one activity to its end; resolves when it ended, needs attention, or `deadline` passed. */
export async function driveActivity(w: World, a: ActivitySpec, deadline: number): Promise<void> {
  const api = w.http;
  const ok2xx = (x: Answer) => x.status !== undefined && x.status >= 200 && x.status < 300;
  const note = (text: string): void => void w.notes.push(`${a.activityId}: ${text}`);
  // Status polls as a dashboard would make them: they meet every outage (503 while Temporal is down).
  let polling = true;
  const poller = (async () => {
    while (polling) {
      await api.call('GET', `/api/activities/${a.activityId}`);
      await sleep(4_000);
    }
  })();
  try {
    const plan = {
      title: a.title,
      theme: '邻里节',
      compound: a.compound,
      description: '故障测试中的亲子活动。',
      startsAt: new Date(a.startsAt).toISOString(),
      endsAt: new Date(a.endsAt).toISOString(),
      capacity: 60,
      venue: { kind: 'community', venueName: '社区活动中心', hours: Math.max(0.001, Math.floor(((a.endsAt - a.startsAt) / 3_600_000) * 1000) / 1000) },
      volunteersNeeded: 0,
      pointsRules: { attendance: 10, perVolunteerHour: 5 },
      budget: 500,
    };
    const created = await api.until(deadline, () => api.call('POST', '/api/activities', { json: { activityId: a.activityId, cycleId: a.cycleId, propertyManagerId: a.propertyManagerId, plan } }), ok2xx);
    if (!created) return note('never created');

    // The grid worker approves from the emailed link; when that email never comes (a 550 refused it), the coordinator decides.
    const approvalMail = await waitForMail(w, (m) => m.to.includes(a.gridWorkerEmail) && m.subject.includes(a.title) && LINK('a').test(m.text), Math.min(deadline, a.opensAt - 28_000));
    const approvalUrl = approvalMail?.text.match(LINK('a'))?.[0];
    const approved = approvalUrl ? await actOnLink(w, approvalUrl, { choice: 'approve', comment: '' }, Math.min(deadline, a.opensAt - 22_000)) : undefined;
    if (approved?.status === 200) w.byLink.approvals++;
    if (!approved || (approved.status !== 200 && approved.status !== 409)) {
      note(`approval by link: ${approved?.status ?? 'no email'}; the coordinator decides`);
      await api.until(deadline, () => api.call('POST', `/api/activities/${a.activityId}/approval`, { json: { round: 1, decision: 'approve', comment: '' } }), (x) => ok2xx(x) || x.status === 409);
    }
    await waitForStage(w, a.activityId, (s) => s !== 'planning' && s !== 'approval' && s !== 'venueRequest', deadline);

    // Registrations: every other family by the link in its registration-open email, the rest at the desk.
    const registered: ActivitySpec['families'] = [];
    await Promise.all(
      a.families.map(async (f, i) => {
        const registerBy = a.opensAt - 3_000;
        if (i % 2 === 1) {
          const mail = await waitForMail(w, (m) => m.to.includes(f.email) && m.subject.includes(a.title) && selfLink(w, m, 'register') !== undefined, Math.min(deadline, registerBy - 10_000));
          const url = mail ? selfLink(w, mail, 'register') : undefined;
          const done = url ? await actOnLink(w, url, { action: 'register', members: '2' }, registerBy) : undefined;
          if (done?.status === 200) {
            w.byLink.registrations++;
            return void registered.push(f);
          }
        }
        const r = await api.until(registerBy, () => api.call('POST', `/api/activities/${a.activityId}/registrations`, { json: { familyId: f.id, members: 2 } }), (x) => ok2xx(x) || x.status === 409);
        if (r && ok2xx(r)) registered.push(f);
      }),
    );

    // The door: the first family is scanned at the recorded opening, retried until accepted.
    const window = await waitForWindow(w, a.activityId, deadline);
    if (!window) return note('no check-in window recorded');
    const opensAt = Date.parse(window.opensAt);
    const closesAt = Date.parse(window.closesAt);
    await sleep(Math.max(0, opensAt - Date.now()));
    const [first, ...others] = a.families;
    const probe = { activityId: a.activityId, opensAt, acceptedAt: undefined as number | undefined };
    w.probes.push(probe);
    const scanned = await api.until(
      closesAt,
      () => api.call('POST', `/api/activities/${a.activityId}/check-ins`, { json: { qrToken: first!.qrToken, nonce: `probe-${a.activityId}` } }),
      ok2xx,
      500,
    );
    if (scanned) {
      probe.acceptedAt = Date.parse(String(scanned.json.at));
      w.checkIns2xx.push({ activityId: a.activityId, personKind: 'family', personId: first!.id });
    }
    // The others: by the link in their confirmation when they registered by link, else scanned at the desk.
    await Promise.all(
      others.map(async (f, i) => {
        if (!registered.includes(f) && i % 3 === 2) return; // a few never come
        const mail = [...w.mails].reverse().find((m) => m.to.includes(f.email) && m.subject.includes(a.title) && selfLink(w, m, 'checkIn') !== undefined);
        const url = mail ? selfLink(w, mail, 'checkIn') : undefined;
        if (url) {
          const done = await actOnLink(w, url, { action: 'checkIn' }, closesAt - 2_000);
          if (done?.status === 200 && /签到成功|已签到|checked in/i.test(done.text)) {
            w.checkIns2xx.push({ activityId: a.activityId, personKind: 'family', personId: f.id });
            w.byLink.checkIns++;
            return;
          }
        }
        const r = await api.until(closesAt - 2_000, () => api.call('POST', `/api/activities/${a.activityId}/check-ins`, { json: { qrToken: f.qrToken, nonce: `desk-${a.activityId}-${f.id}` } }), (x) => ok2xx(x) || x.status === 409, 700);
        if (r && ok2xx(r)) w.checkIns2xx.push({ activityId: a.activityId, personKind: 'family', personId: f.id });
      }),
    );

    // The supervisor's feedback from the emailed link; when it never comes, the deadline passes and the activity completes without it.
    const stage = await waitForStage(w, a.activityId, (s) => ['supervisionFeedback', 'completed', 'cancelled', 'rejected'].includes(s), deadline);
    if (stage === 'supervisionFeedback') {
      const mail = await waitForMail(w, (m) => m.to.includes(a.supervisorEmail) && m.subject.includes(a.title) && LINK('a').test(m.text), deadline);
      const url = mail?.text.match(LINK('a'))?.[0];
      const given = url ? await actOnLink(w, url, { organisation: '4', participation: '5', effect: '4', comment: '组织有序。' }, deadline) : undefined;
      if (given?.status === 200) w.byLink.feedback++;
    }
    for (;;) {
      const s = await dbStage(w, a.activityId);
      if (s && (['completed', 'cancelled', 'rejected'].includes(s.stage) || s.attention)) return;
      if (Date.now() > deadline) return note(`still ${s?.stage} at the deadline`);
      await sleep(2_000);
    }
  } finally {
    polling = false;
    await poller;
  }
}

async function waitForWindow(w: World, activityId: string, deadline: number): Promise<{ opensAt: string; closesAt: string } | undefined> {
  for (;;) {
    const s = await dbStage(w, activityId);
    if (s?.opensAt && s.closesAt) return { opensAt: s.opensAt, closesAt: s.closesAt };
    if (Date.now() > deadline) return undefined;
    await sleep(1_000);
  }
}
