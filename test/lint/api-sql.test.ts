/**
 * The eslint rule that keeps SQL out of api/ really bites: the real eslint.config.mjs is run on
 * made-up sources at api/ and db/ paths (dependency-cruiser already refuses kysely imports in
 * api/; this catches a query built on a handle reached some other way).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const ESLINT = path.join(ROOT, 'node_modules/eslint/bin/eslint.js');

/** Rule ids the real config reports for `code` as if it were the file at `file` (from the root). */
function ruleIds(code: string, file: string): (string | null)[] {
  let out: string;
  try {
    out = execFileSync(
      process.execPath,
      // The rule reads only the syntax: without type information (the file is not on disk, so the
      // project service would not find it), and so without the one rule that needs it.
      [ESLINT, '--stdin', '--stdin-filename', file, '--parser-options', 'projectService:false', '--rule', '@typescript-eslint/no-floating-promises: off', '--format', 'json'],
      { cwd: ROOT, input: code, encoding: 'utf8' },
    );
  } catch (err) {
    // Exit code 1: problems found; the JSON report is on stdout all the same.
    out = String((err as { stdout?: string }).stdout ?? '');
  }
  const [result] = JSON.parse(out) as { messages: { ruleId: string | null; message: string }[] }[];
  return (result?.messages ?? []).map((m) => m.ruleId);
}

const QUERIES = [
  "export const q = db.selectFrom('staff');",
  "export const q = trx.insertInto('staff');",
  "export const q = repos.db.updateTable('staff');",
  "export const q = db.deleteFrom('sessions');",
  'export const q = sql`select 1`;',
];

describe('no SQL under api/ (eslint.config.mjs)', () => {
  it.each(QUERIES)('refuses %s in api/', (code) => {
    expect(ruleIds(`declare const db: any, trx: any, repos: any, sql: any;\n${code}\n`, 'api/probe.ts')).toEqual(['no-restricted-syntax']);
  });

  it('allows the same in db/, and a repository call in api/', () => {
    expect(ruleIds(`declare const db: any, sql: any;\n${QUERIES.join('\n')}\n`, 'db/probe.ts')).toEqual([]);
    expect(ruleIds("declare const repos: any;\nexport const q = repos.staff.findByEmail('a@b.c');\n", 'api/probe.ts')).toEqual([]);
  });
});
