/**
 * The fault test's verdicts, as pure functions of what the run recorded (the driver's HTTP log,
 * the outages and kills it caused, the SMTP receiver's log) and what the database holds at the
 * end. Pure so that test/scripts/chaos-checks.test.ts can show each one fails on the records of a
 * run that went wrong: a check that cannot fail proves nothing.
 */

export type Part = 'worker' | 'api' | 'temporal' | 'smtp';

/** One request the driver made; `status` absent when no answer came (refused, reset, timed out). */
export interface HttpRecord {
  at: number;
  end: number;
  method: string;
  /** The route's shape (ids replaced), for the figures. */
  route: string;
  status?: number;
  error?: string;
}

/** A time a part was down or misbehaving (`kind`: killed, restarting, outage, 451, 550, hold). */
export interface Outage {
  part: Part;
  kind: string;
  from: number;
  to: number;
}

/** A process the schedule killed (kill -9 or SIGTERM) while it might be sending. */
export interface Kill {
  part: Part;
  at: number;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  figures: string;
}

const overlaps = (r: { at: number; end: number }, o: { from: number; to: number }) => r.at <= o.to && r.end >= o.from;

/** Every activity reached its end, or shows the dashboard's "needs attention" state. */
export function checkNoneStuck(activities: { activityId: string; stage: string; needsAttention: boolean }[]): CheckResult {
  const ended = activities.filter((a) => ['completed', 'rejected', 'cancelled'].includes(a.stage));
  const attention = activities.filter((a) => !ended.includes(a) && a.needsAttention);
  const stuck = activities.filter((a) => !ended.includes(a) && !a.needsAttention);
  const byStage = stuck.map((a) => `${a.activityId}@${a.stage}`).slice(0, 8).join(', ');
  return {
    name: 'none stuck (every activity ended or needs attention)',
    ok: activities.length > 0 && stuck.length === 0,
    figures: `${ended.length}/${activities.length} ended, ${attention.length} needs attention, ${stuck.length} stuck${stuck.length ? `: ${byStage}` : ''}`,
  };
}

/** No answer of 500 (any 5xx but 503) while a dependency (Temporal, the worker, SMTP) was down. */
export function checkNo500DuringOutages(http: HttpRecord[], outages: Outage[]): CheckResult {
  const deps = outages.filter((o) => o.part !== 'api');
  const during = http.filter((r) => r.status !== undefined && deps.some((o) => overlaps(r, o)));
  const bad = during.filter((r) => r.status! >= 500 && r.status !== 503);
  const unavailable = during.filter((r) => r.status === 503).length;
  const routes = [...new Set(bad.map((r) => `${r.status} ${r.method} ${r.route}`))].slice(0, 5).join('; ');
  return {
    name: 'no 500 while a dependency is down (503 is right)',
    ok: bad.length === 0,
    figures: `${during.length} answers during outages: ${unavailable} × 503, ${bad.length} × other 5xx${bad.length ? ` (${routes})` : ''}`,
  };
}

/** No 5xx but 503 at any time: a 500 outside an outage is a bug as well. */
export function checkNo500AtAll(http: HttpRecord[]): CheckResult {
  const answered = http.filter((r) => r.status !== undefined);
  const bad = answered.filter((r) => r.status! >= 500 && r.status !== 503);
  const noAnswer = http.length - answered.length;
  const routes = [...new Set(bad.map((r) => `${r.status} ${r.method} ${r.route}`))].slice(0, 5).join('; ');
  return {
    name: 'no 5xx other than 503 in the whole run',
    ok: bad.length === 0,
    figures: `${http.length} requests, ${answered.length} answered, ${noAnswer} without an answer (API down), ${bad.length} × 5xx other than 503${bad.length ? ` (${routes})` : ''}`,
  };
}

/** The first check-in at each activity's recorded opening: accepted within `maxLagMs` of it. */
export function checkWindowsOnTime(probes: { activityId: string; opensAt: number; acceptedAt: number | undefined }[], maxLagMs = 15_000): CheckResult {
  const lags = probes.map((p) => ({ ...p, lag: p.acceptedAt === undefined ? Infinity : p.acceptedAt - p.opensAt }));
  const late = lags.filter((p) => p.lag > maxLagMs);
  const finite = lags.map((p) => p.lag).filter(Number.isFinite).sort((a, b) => a - b);
  const max = late.some((p) => !Number.isFinite(p.lag)) ? 'never' : `${((finite[finite.length - 1] ?? 0) / 1000).toFixed(1)} s`;
  const median = finite.length ? `${(finite[Math.floor(finite.length / 2)]! / 1000).toFixed(1)} s` : '—';
  return {
    name: `check-in windows on time (a check-in at the opening accepted within ${maxLagMs / 1000} s)`,
    ok: probes.length > 0 && late.length === 0,
    figures: `${probes.length - late.length}/${probes.length} on time, lag median ${median}, max ${max}${late.length ? `; late: ${late.slice(0, 6).map((p) => p.activityId).join(', ')}` : ''}`,
  };
}

export interface LedgerEntry {
  id: string;
  holderKind: string;
  holderId: string;
  kind: string;
  activityId: string | null;
  rule: string | null;
  idempotencyKey: string;
  amount: number;
}

/** No entry twice: one award per holder, activity and rule, one entry per idempotency key. */
export function checkNoDuplicateLedger(entries: LedgerEntry[]): CheckResult {
  const count = (key: (e: LedgerEntry) => string | undefined) => {
    const seen = new Map<string, number>();
    for (const e of entries) {
      const k = key(e);
      if (k !== undefined) seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    return [...seen.values()].reduce((n, c) => n + c - 1, 0);
  };
  const byAward = count((e) => (e.kind === 'award' && e.activityId ? `${e.holderKind}:${e.holderId}:${e.activityId}:${e.rule}` : undefined));
  const byKey = count((e) => e.idempotencyKey);
  return {
    name: '0 duplicate ledger entries',
    ok: byAward === 0 && byKey === 0,
    figures: `${entries.length} entries, ${byAward} duplicate awards (holder, activity, rule), ${byKey} duplicate idempotency keys`,
  };
}

export interface PersonAt {
  activityId: string;
  personKind: string;
  personId: string;
}

/** Every check-in the API answered 2xx is in the database exactly once (and no one twice). */
export function checkNoLostCheckIns(answered2xx: PersonAt[], rows: PersonAt[]): CheckResult {
  const key = (p: PersonAt) => `${p.activityId}|${p.personKind}|${p.personId}`;
  const inDb = new Map<string, number>();
  for (const r of rows) inDb.set(key(r), (inDb.get(key(r)) ?? 0) + 1);
  const promised = new Set(answered2xx.map(key));
  const lost = [...promised].filter((k) => !inDb.has(k));
  const twice = [...inDb.values()].filter((n) => n > 1).length;
  return {
    name: '0 lost 2xx check-ins (each in the database exactly once)',
    ok: lost.length === 0 && twice === 0,
    figures: `${answered2xx.length} answers 2xx for ${promised.size} people, ${rows.length} rows, ${lost.length} lost, ${twice} recorded twice`,
  };
}

export interface MailSeen {
  at: number;
  messageId: string;
  to: string[];
  subject: string;
  text: string;
}

/**
 * An email delivered twice only with the same Message-ID, and no more often than a kill landed
 * between its first acceptance and the outbox's mark ("sent"): the one duplicate the README allows.
 */
export function checkEmailDuplicates(mails: MailSeen[], markedAt: Map<string, number | null>, kills: Kill[], runEnd: number): CheckResult {
  const byId = new Map<string, MailSeen[]>();
  for (const m of mails) byId.set(m.messageId, [...(byId.get(m.messageId) ?? []), m]);
  let extra = 0;
  let excused = 0;
  const unexcused: string[] = [];
  for (const [id, copies] of byId) {
    if (copies.length < 2) continue;
    const first = Math.min(...copies.map((c) => c.at));
    const mark = markedAt.get(id) ?? runEnd;
    const killsBetween = kills.filter((k) => (k.part === 'worker' || k.part === 'api') && k.at >= first && k.at <= mark).length;
    extra += copies.length - 1;
    excused += Math.min(copies.length - 1, killsBetween);
    if (copies.length - 1 > killsBetween) unexcused.push(id);
  }
  // The same email (recipient, subject, text without its links) under two Message-IDs is a duplicate no client folds.
  const sameEmail = new Map<string, Set<string>>();
  for (const m of mails) {
    const k = `${[...m.to].sort().join(',')}|${m.subject}|${m.text.replace(/https?:\/\/\S+/g, '')}`;
    sameEmail.set(k, (sameEmail.get(k) ?? new Set()).add(m.messageId));
  }
  const differentIds = [...sameEmail.values()].filter((ids) => ids.size > 1).length;
  return {
    name: 'emails twice only with the same Message-ID, and only across a kill between accept and mark',
    ok: unexcused.length === 0 && differentIds === 0,
    figures: `${mails.length} accepted, ${byId.size} Message-IDs, ${extra} duplicates (${excused} across a kill, ${extra - excused} not), ${differentIds} emails under two Message-IDs`,
  };
}

/** Every holder's balance, as the API answers it, equals the sum of its ledger entries. */
export function checkBalances(samples: { holderId: string; apiBalance: number | undefined; ledgerSum: number }[]): CheckResult {
  const wrong = samples.filter((s) => s.apiBalance !== s.ledgerSum);
  return {
    name: 'every balance equals its ledger sum',
    ok: samples.length > 0 && wrong.length === 0,
    figures: `${samples.length} families, ${wrong.length} differ${wrong.length ? `: ${wrong.slice(0, 5).map((w) => `${w.holderId} ${w.apiBalance} ≠ ${w.ledgerSum}`).join(', ')}` : ''}`,
  };
}

/**
 * Every email settled into a state staff can see: sent, refused (with its reason), or still
 * retrying on its schedule; none left pending with no outcome once every part is back.
 */
export function checkOutboxSettled(rows: { status: string; delivery: string | null }[]): CheckResult {
  const sent = rows.filter((r) => r.status === 'sent').length;
  const refused = rows.filter((r) => r.status !== 'sent' && r.delivery === 'refused').length;
  const retrying = rows.filter((r) => r.status !== 'sent' && r.delivery === 'retrying').length;
  const silent = rows.length - sent - refused - retrying;
  return {
    name: 'every email sent, or visibly refused or retrying',
    ok: silent === 0,
    figures: `${rows.length} outbox rows: ${sent} sent, ${refused} refused, ${retrying} retrying, ${silent} pending with no outcome`,
  };
}

/** The tally counts what the door accepted: each check-in of a completed activity earned its attendance award once. */
export function checkTallyCountsCheckIns(completed: string[], rows: PersonAt[], entries: LedgerEntry[]): CheckResult {
  const done = new Set(completed);
  const families = rows.filter((r) => done.has(r.activityId) && r.personKind === 'family');
  const awarded = new Set(entries.filter((e) => e.kind === 'award' && e.rule === 'attendance' && e.holderKind === 'family').map((e) => `${e.activityId}|${e.holderId}`));
  const missing = families.filter((r) => !awarded.has(`${r.activityId}|${r.personId}`));
  return {
    name: 'the tally counts every check-in (one attendance award each)',
    ok: missing.length === 0,
    figures: `${families.length} family check-ins in ${done.size} completed activities, ${missing.length} without their award${missing.length ? `: ${missing.slice(0, 5).map((m) => `${m.activityId}/${m.personId}`).join(', ')}` : ''}`,
  };
}

/** The schedule's faults landed as often as the preset promises. */
export function checkFaultsLanded(landed: Record<string, number>, minimum: Record<string, number>): CheckResult {
  const short = Object.entries(minimum).filter(([k, n]) => (landed[k] ?? 0) < n);
  return {
    name: 'the faults landed as scheduled',
    ok: short.length === 0,
    figures: Object.entries(minimum)
      .map(([k, n]) => `${k} ${landed[k] ?? 0} (≥ ${n})`)
      .join(', '),
  };
}

export function formatResults(results: CheckResult[]): string {
  return results.map((r) => `  ${r.ok ? 'PASS' : 'FAIL'}  ${r.name}\n        ${r.figures}`).join('\n');
}
