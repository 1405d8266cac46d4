/**
 * The API reaches the database only through db/repositories: no file under api/ imports Kysely
 * (type imports included) or builds a query, and none imports worker/ (api/main.ts composes its
 * own dependencies).
 */
import fs from 'node:fs';
import path from 'node:path';

const apiDir = path.join(__dirname, '..', '..', 'api');
const sources = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));

const forbidden: { what: string; re: RegExp }[] = [
  { what: 'imports kysely', re: /from\s+['"]kysely['"]/ },
  { what: 'builds a query', re: /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto)\(/ },
  { what: 'writes raw SQL', re: /\bsql`/ },
  { what: 'imports worker/', re: /from\s+['"](\.\.\/)+worker\// },
];

const offences = (text: string) => forbidden.filter((f) => f.re.test(text)).map((f) => f.what);

describe('api/ layering', () => {
  it('the detector catches each form', () => {
    expect(offences("import type { Kysely } from 'kysely';")).toEqual(['imports kysely']);
    expect(offences("await db.selectFrom('staff')")).toEqual(['builds a query']);
    expect(offences('await sql`select 1`.execute(db)')).toEqual(['writes raw SQL']);
    expect(offences("import { buildRuntime } from '../worker/dependencies';")).toEqual(['imports worker/']);
  });

  it('no file under api/ imports kysely, builds a query, writes SQL or imports worker/', () => {
    const found = sources(apiDir).flatMap((file) => offences(fs.readFileSync(file, 'utf8')).map((what) => `${path.relative(apiDir, file)}: ${what}`));
    expect(found).toEqual([]);
  });
});
