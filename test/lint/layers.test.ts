/**
 * The layer rules in .dependency-cruiser.cjs really bite: the real config is run (through the
 * depcruise CLI, as `npm run lint` does) on a small made-up tree with one import per rule that
 * must be forbidden, and some that must stay allowed. Removing or loosening a rule fails this.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

/** file → contents; every import below is either expected in VIOLATIONS or meant to be allowed. */
const FIXTURE: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'commonjs', moduleResolution: 'node', strict: true } }),
  'node_modules/kysely/package.json': JSON.stringify({ name: 'kysely', version: '0.0.0', main: 'index.js' }),
  'node_modules/kysely/index.js': 'exports.sql = 1;\n',

  'domain/ok.ts': "export const ok = 1;\n",
  // domain → db: domain must stay pure.
  'domain/impure.ts': "import { repo } from '../db/repo';\nimport { ok } from './ok';\nexport const impure = repo + ok;\n",

  'activities/act.ts': "export type Act = { run(): Promise<void> };\nexport const act = 1;\n",
  // Allowed: workflows import domain/ values and activities/ types only.
  'workflows/wf.ts': "import type { Act } from '../activities/act';\nimport { ok } from '../domain/ok';\nexport const wf = ok;\nexport type A = Act;\n",
  // workflows → activities as a value: not allowed.
  'workflows/bad.ts': "import { act } from '../activities/act';\nexport const bad = act;\n",

  // db → workflows (even for a type), db → mail, db → reports.
  'db/repo.ts': "import type { A } from '../workflows/wf';\nexport const repo = 1;\nexport type R = A;\n",
  'db/notify.ts': "import { send } from '../mail/send';\nimport { report } from '../reports/report';\nexport const n = send + report;\n",
  // mail → reports.
  'mail/send.ts': "import { report } from '../reports/report';\nexport const send = report;\n",
  // Allowed: reports → db.
  'reports/report.ts': "import { repo } from '../db/repo';\nexport const report = repo;\n",

  // i18n → mail: the prose may read only domain/ (and lib/).
  'i18n/words.ts': "import { ok } from '../domain/ok';\nimport { send } from '../mail/send';\nexport const words = [ok, send];\n",
  // Allowed: mail picks its words from i18n.
  'mail/render.ts': "import { words } from '../i18n/words';\nexport const render = words;\n",

  // api → kysely, api → worker, api → activities.
  'api/routes.ts':
    "import { sql } from 'kysely';\nimport { w } from '../worker/w';\nimport { act } from '../activities/act';\n" +
    "import { wf } from '../workflows/wf';\nexport const r = [sql, w, act, wf];\n",
  'worker/w.ts': "export const w = 1;\n",

  // source → test.
  'scripts/s.ts': "import { helper } from '../test/helper';\nexport const s = helper;\n",
  'test/helper.ts': "import { ok } from '../domain/ok';\nexport const helper = ok;\n",

  // A cycle.
  'links/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
  'links/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
};

const VIOLATIONS = [
  'api-no-kysely: api/routes.ts → node_modules/kysely/index.js',
  'api-not-worker-or-activities: api/routes.ts → activities/act.ts',
  'api-not-worker-or-activities: api/routes.ts → worker/w.ts',
  'db-mail-not-reports: db/notify.ts → reports/report.ts',
  'db-mail-not-reports: mail/send.ts → reports/report.ts',
  'db-not-mail: db/notify.ts → mail/send.ts',
  'domain-is-pure: domain/impure.ts → db/repo.ts',
  'i18n-only-domain: i18n/words.ts → mail/send.ts',
  'lower-layers-not-up: db/repo.ts → workflows/wf.ts',
  'no-circular: links/a.ts → links/b.ts',
  'source-not-test: scripts/s.ts → test/helper.ts',
  'workflows-only-domain: workflows/bad.ts → activities/act.ts',
].sort();

interface CruiseResult {
  summary: { violations: Array<{ from: string; to: string; rule: { name: string; severity: string } }> };
}

describe('layer rules (.dependency-cruiser.cjs)', () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-'));
    for (const [file, text] of Object.entries(FIXTURE)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('forbid exactly the imports that cross a layer the wrong way, and find the cycle', () => {
    let out: string;
    try {
      out = execFileSync(
        process.execPath,
        [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', 'domain', 'activities', 'workflows', 'db', 'mail', 'reports', 'api', 'worker', 'scripts', 'test', 'links', 'i18n'],
        { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
    } catch (err) {
      // depcruise exits non-zero when it finds errors, which is the point; the report is on stdout.
      out = (err as { stdout: string }).stdout;
    }
    const { summary } = JSON.parse(out) as CruiseResult;
    const found = summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
    expect(found).toEqual(VIOLATIONS);
    expect(summary.violations.every((v) => v.rule.severity === 'error')).toBe(true);
  });
});
