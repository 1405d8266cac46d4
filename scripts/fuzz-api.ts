/**
 * `npm run fuzz`: schemathesis (PyPI, pinned below) over the product's own OpenAPI document, with a
 * coordinator's token, against the whole product started as `npm start` does (bench/product.ts:
 * free ports, a temporary DATA_DIR, SQLite).
 *
 * Before the run the directory is seeded through the API (compounds, a property manager, a grid
 * worker, a coordinator, a supervisor, families, a volunteer, a merchant with a venue, a reward, a
 * cycle on record and activities in it), and schemathesis is told those ids (a dictionary per
 * path parameter), so that a good share of the generated requests reach real records instead of
 * answering 404.
 *
 * Two checks: not_a_server_error (no 5xx, ever) and positive_data_acceptance (a request the
 * document calls valid is not refused with 400/422/…). A refusal that is right although the
 * document cannot say why (a rule between two fields, a record in the wrong state) is listed in
 * ALLOWED_REJECTIONS below, each with its reason; anything else fails the run (exit 1).
 *
 * schemathesis is installed into .fuzz/venv (git-ignored) the first time. The run takes about
 * FUZZ_MAX_TIME seconds (default 240) plus a minute to start the product. Reports (JSON, JUnit)
 * are kept in .fuzz/report/.
 */
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startProduct, type RunningProduct } from '../bench/product';

const ROOT = path.resolve(__dirname, '..');
const FUZZ_DIR = path.join(ROOT, '.fuzz');
const VENV = path.join(FUZZ_DIR, 'venv');
const REPORT_DIR = path.join(FUZZ_DIR, 'report');
const SCHEMATHESIS_VERSION = '4.32.5';
const MAX_TIME_SECONDS = Number(process.env.FUZZ_MAX_TIME ?? 240);

const log = (line: string) => console.log(line);

/**
 * Refusals of schema-valid requests that are correct. Each names the operation (as schemathesis
 * does: method and path template, or '*' for any), the status, the error code and, for a 400
 * InvalidInput, the fields the answer may name (`details[].field`); a refusal naming any other
 * field fails the run. Each says why the document cannot rule the request out. Keep it short:
 * every entry is a request a client can build from the document and still be refused.
 */
interface AllowedRejection {
  operation: string;
  status: number;
  code: string;
  fields?: readonly string[];
  reason: string;
}

export const ALLOWED_REJECTIONS: readonly AllowedRejection[] = [
  {
    operation: '*',
    status: 422,
    code: 'MissingDirectoryEntry',
    reason: 'the body names a person, merchant or compound by an id that is not in the directory: for an id in the body what 404 is for one in the path',
  },
  {
    operation: '*',
    status: 422,
    code: 'UNKNOWN_REFERENCE',
    reason: "the directory's word for the same: a record names a compound or merchant that is not in the directory",
  },
  {
    operation: 'POST /api/activities/{id}/venue',
    status: 400,
    code: 'InvalidInput',
    fields: ['hours'],
    reason: 'a venue may not be booked longer than the activity on record lasts: a limit of the activity, not of the request',
  },
  {
    operation: 'POST /api/activities',
    status: 400,
    code: 'InvalidInput',
    fields: ['cycleId', 'plan.startsAt', 'plan.endsAt', 'plan.venue.hours', 'plan.pointsRules.attendance', 'plan.pointsRules.perVolunteerHour', 'plan.pointsRules.familyLearning', 'plan.budget', 'plan.capacity'],
    reason:
      'the plan is checked against the clock, the cycle on record and the configured bounds (described on StartActivityBody): endsAt after startsAt, the start ahead and within the cycle, venue hours not longer than the activity. JSON Schema cannot compare two fields or a field with now',
  },
  {
    operation: 'POST /api/activities/{id}/reschedule',
    status: 400,
    code: 'InvalidInput',
    fields: ['startsAt', 'endsAt'],
    reason: 'endsAt after startsAt, the new start ahead and within the cycle, not shorter than the venue booking (described on RescheduleBody): comparisons JSON Schema cannot state',
  },
  {
    operation: 'POST /api/cycles',
    status: 400,
    code: 'InvalidInput',
    fields: ['periodEnd', 'milestones'],
    reason: 'periodEnd after periodStart and milestone ids unique (described on StartCycleBody): JSON Schema cannot compare two fields or require one property unique across array items',
  },
  {
    operation: 'GET /api/cycles/{id}/report',
    status: 400,
    code: 'InvalidInput',
    fields: ['table'],
    reason: 'a CSV is one table, so format=csv needs table (described on the parameter): OpenAPI has no rule between two query parameters',
  },
  {
    operation: 'GET /api/points/totals',
    status: 400,
    code: 'InvalidInput',
    fields: ['to'],
    reason: 'to must be after from (described on the parameter): OpenAPI cannot compare two query parameters',
  },
  {
    operation: 'POST /api/cycles/{id}/sponsorships',
    status: 400,
    code: 'InvalidInput',
    fields: ['amountCny'],
    reason: 'at most two decimals (described); multipleOf 0.01 would be exact in JSON Schema but not in the floating point both sides compute with',
  },
  {
    operation: 'POST /api/directory/{entity}',
    status: 400,
    code: 'InvalidInput',
    fields: ['(body)'],
    reason: 'the body is the record of the list the path names; the document gives the union of the six lists\' records, so a family sent to /compounds is schema-valid and refused for its unknown keys',
  },
  {
    operation: 'POST /api/directory/{entity}/{id}',
    status: 400,
    code: 'InvalidInput',
    fields: ['(body)'],
    reason: 'as for creating: the fields of another list than the path names are refused as unknown keys',
  },
  {
    operation: 'POST /api/directory/{entity}/import',
    status: 400,
    code: 'CSV_INVALID',
    reason: 'the body is a CSV file (a string to the document): its header and rows are checked line by line, which no schema of a string can say',
  },
  {
    operation: 'POST /api/activities/{id}/registrations',
    status: 422,
    code: 'EXCEEDS_CAPACITY',
    reason: "more members than the activity's capacity: a limit of the activity on record, not of the request",
  },
];

// ---- schemathesis --------------------------------------------------------------------------

function schemathesisBin(): string {
  const bin = path.join(VENV, 'bin', 'schemathesis');
  const installed = spawnSync(path.join(VENV, 'bin', 'python'), ['-c', 'import importlib.metadata as m; print(m.version("schemathesis"))'], { encoding: 'utf8' });
  if (installed.status === 0 && installed.stdout.trim() === SCHEMATHESIS_VERSION) return bin;
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${path.relative(ROOT, VENV)} …`);
  fs.mkdirSync(FUZZ_DIR, { recursive: true });
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
  };
  if (!fs.existsSync(path.join(VENV, 'bin', 'python'))) run('python3', ['-m', 'venv', VENV]);
  run(path.join(VENV, 'bin', 'pip'), ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`]);
  return bin;
}

// ---- seed ----------------------------------------------------------------------------------

const DAY = 86_400_000;
const HOUR = 3_600_000;

interface Seeded {
  activities: string[];
  cycles: string[];
  families: string[];
  volunteers: string[];
  merchants: string[];
  rewards: string[];
  milestones: string[];
  directoryIds: string[];
}

async function api(product: RunningProduct, method: 'GET' | 'POST', url: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${product.baseUrl}${url}`, {
    method,
    headers: { authorization: `Bearer ${product.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`seeding: ${method} ${url} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Whole minutes, so the plans' times look like those people type. */
const at = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString();

async function seed(product: RunningProduct): Promise<Seeded> {
  const post = (url: string, body: unknown) => api(product, 'POST', url, body);
  const compounds = [
    { id: 'fuzz-garden', name: '幸福花园' },
    { id: 'fuzz-court', name: '金华苑' },
  ];
  for (const c of compounds) await post('/api/directory/compounds', c);
  const staff = [
    { id: 'fuzz-pm', role: 'propertyManager', name: '王物业', email: 'pm@fuzz.example', compoundId: 'fuzz-garden' },
    { id: 'fuzz-pm2', role: 'propertyManager', name: '李物业', email: 'pm2@fuzz.example', compoundId: 'fuzz-court' },
    { id: 'fuzz-gw', role: 'gridWorker', name: '张网格', email: 'gw@fuzz.example', compoundId: 'fuzz-garden' },
    { id: 'fuzz-gw2', role: 'gridWorker', name: '赵网格', email: 'gw2@fuzz.example', compoundId: 'fuzz-court' },
    { id: 'fuzz-co', role: 'coordinator', name: '陈协调', email: 'co@fuzz.example' },
    { id: 'fuzz-sv', role: 'supervisor', name: '刘督导', email: 'sv@fuzz.example' },
  ];
  for (const s of staff) await post('/api/directory/staff', s);
  const families = ['fuzz-f1', 'fuzz-f2', 'fuzz-f3', 'fuzz-f4'];
  for (const [i, id] of families.entries()) {
    await post('/api/directory/families', { id, compoundId: i < 3 ? 'fuzz-garden' : 'fuzz-court', name: `家庭${i + 1}`, email: `${id}@fuzz.example`, members: 2 + i });
  }
  const volunteers = ['fuzz-v1', 'fuzz-v2'];
  for (const [i, id] of volunteers.entries()) await post('/api/directory/volunteers', { id, name: `志愿者${i + 1}`, email: `${id}@fuzz.example`, compoundId: 'fuzz-garden' });
  const merchants = ['fuzz-m1'];
  await post('/api/directory/merchants', { id: 'fuzz-m1', name: '万达商户', email: 'm1@fuzz.example' });
  await post('/api/directory/venues', { id: 'fuzz-hall', merchantId: 'fuzz-m1', name: '万达多功能厅', capacity: 80 });
  const rewards = ['fuzz-book', 'fuzz-coupon'];
  await post('/api/rewards', { id: 'fuzz-book', name: '亲子绘本', kind: 'education', price: 10, stock: 20 });
  await post('/api/rewards', { id: 'fuzz-coupon', name: '万达代金券', kind: 'merchantCoupon', merchantId: 'fuzz-m1', price: 20, stock: 5 });

  const now = Date.now();
  const milestones = ['kickoff', 'midterm', 'review'];
  await post('/api/cycles', {
    id: 'fuzz-cycle',
    name: '2026 幸福家庭孵化周期',
    periodStart: at(now - 10 * DAY),
    periodEnd: at(now + 90 * DAY),
    compounds: compounds.map((c) => c.id),
    milestones: milestones.map((id, i) => ({ id, name: ['启动培训', '中期督导', '活动复盘'][i], dueAt: at(now + (i + 1) * 20 * DAY) })),
    supervisorId: 'fuzz-sv',
    coordinatorId: 'fuzz-co',
  });
  const plan = (title: string, compound: string, inDays: number) => ({
    title,
    theme: '幸福家庭日',
    compound,
    description: '亲子共读与心理减压',
    startsAt: at(now + inDays * DAY),
    endsAt: at(now + inDays * DAY + 2 * HOUR),
    capacity: 30,
    venue: { kind: 'community', venueName: '社区活动室', hours: 2 },
    volunteersNeeded: 2,
    pointsRules: { attendance: 10, perVolunteerHour: 5 },
    budget: 800,
  });
  const activities = ['fuzz-reading', 'fuzz-workshop', 'fuzz-court-day'];
  await post('/api/activities', { activityId: activities[0], cycleId: 'fuzz-cycle', plan: plan('亲子共读会', 'fuzz-garden', 14) });
  await post('/api/activities', { activityId: activities[1], cycleId: 'fuzz-cycle', plan: plan('心理减压工作坊', 'fuzz-garden', 21) });
  await post('/api/activities', { activityId: activities[2], cycleId: 'fuzz-cycle', plan: plan('邻里家庭日', 'fuzz-court', 28) });

  return {
    activities,
    cycles: ['fuzz-cycle'],
    families,
    volunteers,
    merchants,
    rewards,
    milestones,
    directoryIds: [...compounds.map((c) => c.id), ...staff.map((s) => s.id), ...families, ...volunteers, ...merchants, 'fuzz-hall'],
  };
}

// ---- configuration -------------------------------------------------------------------------

const tomlString = (s: string) => JSON.stringify(s);
const tomlList = (values: readonly string[]) => `[${values.map(tomlString).join(', ')}]`;

/**
 * A schemathesis.toml: a dictionary of real ids per path parameter, drawn for most requests (the
 * rest stay random, so the 404 paths are fuzzed too).
 */
function configToml(seeded: Seeded): string {
  const dictionaries: Record<string, readonly string[]> = {
    activities: seeded.activities,
    cycles: seeded.cycles,
    families: seeded.families,
    volunteers: seeded.volunteers,
    milestones: seeded.milestones,
    entities: ['compounds', 'families', 'staff', 'volunteers', 'merchants', 'venues'],
    directoryIds: seeded.directoryIds,
  };
  const bindings: { pathRegex: string; params: Record<string, string> }[] = [
    { pathRegex: '^/api/activities/\\{id\\}', params: { 'path.id': 'activities', 'path.familyId': 'families', 'path.volunteerId': 'volunteers' } },
    { pathRegex: '^/api/cycles/\\{id\\}', params: { 'path.id': 'cycles', 'path.milestoneId': 'milestones' } },
    { pathRegex: '^/api/families/\\{id\\}', params: { 'path.id': 'families' } },
    { pathRegex: '^/api/volunteers/\\{id\\}', params: { 'path.id': 'volunteers' } },
    { pathRegex: '^/api/directory/', params: { 'path.entity': 'entities', 'path.id': 'directoryIds' } },
  ];
  const lines = ['# Written by scripts/fuzz-api.ts for one run.', ''];
  for (const [name, values] of Object.entries(dictionaries)) lines.push(`[dictionaries.${name}]`, `values = ${tomlList(values)}`, '');
  for (const b of bindings) {
    const params = Object.entries(b.params)
      .map(([key, dict]) => `${tomlString(key)} = { dictionary = ${tomlString(dict)}, probability = 0.8 }`)
      .join(', ');
    lines.push('[[operations]]', `include-path-regex = ${tomlString(b.pathRegex)}`, `parameters = { ${params} }`, '');
  }
  return lines.join('\n');
}

// ---- run -----------------------------------------------------------------------------------

function runSchemathesis(bin: string, product: RunningProduct, configFile: string): Promise<number> {
  const args = [
    '--config-file',
    configFile,
    'run',
    `${product.baseUrl}/api/openapi.json`,
    '-H',
    `Authorization: Bearer ${product.token}`,
    '--checks',
    'not_a_server_error,positive_data_acceptance',
    '--phases',
    'examples,coverage,fuzzing',
    '--max-time',
    String(MAX_TIME_SECONDS),
    // One worker: hypothesis' lambda descriptions are not thread-safe (a run with two failed on it).
    '--workers',
    '1',
    '--seed',
    process.env.FUZZ_SEED ?? '20261202',
    '--continue-on-failure',
    '--report',
    'json,junit',
    '--report-dir',
    REPORT_DIR,
    '--output-truncate',
    'false',
  ];
  log(`\nschemathesis ${args.join(' ').replace(product.token, '<coordinator token>')}\n`);
  const child = spawn(bin, args, { stdio: 'inherit', cwd: FUZZ_DIR });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

// ---- the report ---------------------------------------------------------------------------

interface Finding {
  operation: string;
  caseId: string;
  /** schemathesis' check codes, e.g. ST202 (schema-valid request rejected). */
  checks: string[];
  status: number | undefined;
  code: string | undefined;
  fields: string[];
  text: string;
}

const unescapeXml = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n))).replace(/&amp;/g, '&');

/**
 * The operation a failing case called, from its curl line: with more than one worker the JUnit
 * report files a case under whichever operation its worker was on when it wrote it.
 */
function operationOf(block: string, templates: readonly string[]): string | undefined {
  const curl = /curl -X (\w+) .*?'?(https?:\/\/[^\s']+)'?\s*$/m.exec(block);
  if (!curl?.[1] || !curl[2]) return undefined;
  const urlPath = new URL(curl[2]).pathname;
  const matching = templates
    .filter((t) => t.startsWith(`${curl[1]} `))
    .filter((t) => new RegExp(`^${t.slice(t.indexOf(' ') + 1).replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(urlPath))
    // /api/directory/{entity}/import before /api/directory/{entity}/{id}: the fewest parameters win.
    .sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  return matching[0];
}

/** Every failing test case of the JUnit report, with the status and error body it got. */
function findings(junitXml: string, templates: readonly string[]): Finding[] {
  const out: Finding[] = [];
  for (const m of junitXml.matchAll(/<testcase name="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)) {
    const reportedAs = unescapeXml(m[1] ?? '');
    for (const f of (m[2] ?? '').matchAll(/<(failure|error)[^>]*>([\s\S]*?)<\/\1>/g)) {
      const text = unescapeXml(f[2] ?? '');
      for (const block of text.split(/^(?=\d+\. Test Case ID: )/m).filter((b) => b.trim())) {
        const checks = [...block.matchAll(/^- (ST\d+|\S+) /gm)].map((c) => c[1] ?? '');
        const status = /^\[(\d{3})\]/m.exec(block)?.[1];
        const body = /^\s*`(\{[\s\S]*?\})`\s*$/m.exec(block)?.[1];
        let code: string | undefined;
        let fields: string[] = [];
        try {
          const parsed = body ? (JSON.parse(body) as { error?: { code?: string; details?: { field?: string }[] } }) : undefined;
          code = parsed?.error?.code;
          fields = (Array.isArray(parsed?.error?.details) ? parsed.error.details : []).map((d) => d.field).filter((x): x is string => typeof x === 'string');
        } catch {
          // not JSON: left without a code, so no allow-list entry matches it
        }
        out.push({
          operation: operationOf(block, templates) ?? reportedAs,
          caseId: /Test Case ID: (\S+)/.exec(block)?.[1] ?? '?',
          checks: f[1] === 'error' ? ['error'] : checks,
          status: status ? Number(status) : undefined,
          code,
          fields,
          text: block.trim(),
        });
      }
    }
  }
  return out;
}

/** The allow-list entry that covers a finding: only a lone "schema-valid request rejected" can be allowed. */
function allowedBy(f: Finding): AllowedRejection | undefined {
  if (f.checks.length !== 1 || f.checks[0] !== 'ST202') return undefined;
  return ALLOWED_REJECTIONS.find(
    (a) =>
      (a.operation === '*' || a.operation === f.operation) &&
      a.status === f.status &&
      a.code === f.code &&
      (a.fields === undefined || (f.fields.length > 0 && f.fields.every((field) => a.fields?.includes(field)))),
  );
}

interface RunReport {
  running_time: number;
  operations: { selected: number; tested: number; errored: number };
  test_cases: { generated: number; with_failures: number; unique_failures: number; errored: number };
}

function summarise(templates: readonly string[]): number {
  const files = fs.readdirSync(REPORT_DIR);
  const junit = files.find((f) => f.startsWith('junit') && f.endsWith('.xml'));
  const json = files.find((f) => f.startsWith('json') && f.endsWith('.json'));
  if (!junit || !json) {
    log(`schemathesis wrote no report in ${REPORT_DIR}`);
    return 1;
  }
  const run = JSON.parse(fs.readFileSync(path.join(REPORT_DIR, json), 'utf8')) as RunReport;
  const all = findings(fs.readFileSync(path.join(REPORT_DIR, junit), 'utf8'), templates);
  const allowed = all.map((f) => ({ f, by: allowedBy(f) }));
  const failures = allowed.filter((a) => !a.by).map((a) => a.f);
  const serverErrors = all.filter((f) => f.status !== undefined && f.status >= 500);
  log('\nfuzz summary');
  log(`  operations tested      ${run.operations.tested}/${run.operations.selected} (errored ${run.operations.errored})`);
  log(`  test cases (requests)  ${run.test_cases.generated} in ${run.running_time.toFixed(0)} s`);
  log(`  unique failures        ${run.test_cases.unique_failures}`);
  log(`  server errors (5xx)    ${serverErrors.length}`);
  log(`  allowed rejections     ${allowed.length - failures.length}`);
  for (const { f, by } of allowed) if (by) log(`    ${f.operation} ${f.status} ${f.code}${f.fields.length ? ` (${f.fields.join(', ')})` : ''}`);
  log(`  not allowed            ${failures.length}`);
  for (const f of failures) log(`\n  ✗ ${f.operation} [${f.checks.join(', ')}]\n${f.text.replace(/^/gm, '      ')}`);
  return failures.length === 0 && run.operations.errored === 0 && run.test_cases.errored === 0 ? 0 : 1;
}

/** 'POST /api/activities/{id}/venue', … : every operation of the document. */
async function operationTemplates(product: RunningProduct): Promise<string[]> {
  const doc = (await api(product, 'GET', '/api/openapi.json')) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));
}

async function main(): Promise<number> {
  const bin = schemathesisBin();
  const product = await startProduct({ log });
  try {
    log('seeding the directory, a cycle and activities through the API …');
    const seeded = await seed(product);
    fs.rmSync(REPORT_DIR, { recursive: true, force: true });
    fs.mkdirSync(REPORT_DIR, { recursive: true });
    const configFile = path.join(FUZZ_DIR, 'schemathesis.toml');
    fs.writeFileSync(configFile, configToml(seeded));
    const code = await runSchemathesis(bin, product, configFile);
    log(`schemathesis exited ${code}; reports in ${path.relative(ROOT, REPORT_DIR)}`);
    // schemathesis fails the run on every rejection; the allow-list decides which are right.
    return summarise(await operationTemplates(product));
  } finally {
    await product.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
