/**
 * The bare baseline for check-ins per second: a minimal Express server doing a check-in's
 * essential work on the product's database and nothing else: the bearer token compared, the
 * family found by its QR token, the activity's window open, the row inserted once (ON CONFLICT DO
 * NOTHING), the answer in JSON. better-sqlite3 with statements prepared once, or one pg pool.
 *
 * Env: BENCH_DB (a SQLite path or a postgres:// URL), BENCH_PORT, BENCH_TOKEN.
 * Route: POST /api/activities/:id/check-ins { qrToken, nonce }.
 */
import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import express from 'express';
import { Pool } from 'pg';

type CheckIn = (activityId: string, qrToken: string, nonce: string, at: string) => Promise<'in' | 'again' | 'closed' | 'unknown'>;

function sqliteCheckIn(file: string): CheckIn {
  const db = new BetterSqlite3(file);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const family = db.prepare<[string], { id: string; members: number }>('select id, members from families where qr_token = ?');
  const open = db.prepare<[string], { attendance_state: string }>('select attendance_state from activities where id = ?');
  const insert = db.prepare(
    `insert into check_ins (id, activity_id, person_kind, person_id, members, method, nonce, checked_in_at, checked_out_at)
     values (?, ?, 'family', ?, ?, 'qr', ?, ?, null) on conflict do nothing`,
  );
  return async (activityId, qrToken, nonce, at) => {
    const f = family.get(qrToken);
    if (!f) return 'unknown';
    if (open.get(activityId)?.attendance_state !== 'open') return 'closed';
    return insert.run(`ci_${randomBytes(8).toString('hex')}`, activityId, f.id, f.members, nonce, at).changes ? 'in' : 'again';
  };
}

function pgCheckIn(url: string): CheckIn {
  const pool = new Pool({ connectionString: url, max: 10 });
  return async (activityId, qrToken, nonce, at) => {
    const res = await pool.query(
      `insert into check_ins (id, activity_id, person_kind, person_id, members, method, nonce, checked_in_at, checked_out_at)
       select $1, a.id, 'family', f.id, f.members, 'qr', $2, $3, null from activities a join families f on f.qr_token = $4
       where a.id = $5 and a.attendance_state = 'open' on conflict do nothing returning id`,
      [`ci_${randomBytes(8).toString('hex')}`, nonce, at, qrToken, activityId],
    );
    return res.rowCount ? 'in' : 'again';
  };
}

const dbUrl = process.env.BENCH_DB!;
const checkIn = /^postgres/i.test(dbUrl) ? pgCheckIn(dbUrl) : sqliteCheckIn(dbUrl);
const token = process.env.BENCH_TOKEN!;
const app = express();
app.use(express.json({ limit: '4kb' }));
app.get('/healthz', (_req, res) => {
  res.json({ ok: true });
});
app.post('/api/activities/:id/check-ins', async (req, res) => {
  if (req.get('authorization') !== `Bearer ${token}`) return void res.status(401).json({ error: 'unauthorised' });
  const body = req.body as { qrToken?: unknown; nonce?: unknown };
  if (typeof body.qrToken !== 'string' || typeof body.nonce !== 'string') return void res.status(400).json({ error: 'qrToken and nonce are required' });
  const at = new Date().toISOString();
  const outcome = await checkIn(String(req.params.id), body.qrToken, body.nonce, at);
  if (outcome === 'unknown') return void res.status(404).json({ error: 'unknown QR code' });
  if (outcome === 'closed') return void res.status(409).json({ error: 'check-in is not open' });
  res.status(outcome === 'in' ? 201 : 200).json({ status: outcome === 'in' ? 'checkedIn' : 'alreadyCheckedIn', at });
});
const server = app.listen(Number(process.env.BENCH_PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
