/**
 * Issue 12's "done when", on SQLite and PostgreSQL, all through the real path: a cycle with a
 * baseline questionnaire to its compound's 40 families and a participant survey; two activities
 * started through the API, approved, checked in and run by the real worker, whose feedback stage
 * opens each activity's survey round; the worker's survey sweeper opens every round (the baseline
 * at the period's start, each activity's, the end round before the period's end) and emails each
 * family its signed link; every answer and withdrawal is POSTed through that link's page, as a
 * family's browser would. The answers are scripted below, so every share, mean change and p-value
 * the report must show is worked out here by hand from the script — never by calling the report's
 * own code. The report page, its `outcomes` CSV, the JSON API, the activities' pages and the
 * rounds' pages are read over HTTP as a signed-in coordinator.
 *
 * Last, no answer text appears in any Temporal history this test's workflows recorded, raw or
 * decoded with the product's codec.
 */
import { parseCsv } from '../../lib/csv';
import { CheckIns } from '../../db/services/checkin';
import { Cycles } from '../../db/services/cycles';
import { Surveys, roundIdFor } from '../../db/services/surveys';
import type { Answers } from '../../domain/questionnaire';
import { startAppHarness, type AppHarness } from '../support/app-harness';
import { answerSurvey, withdrawSurvey } from '../support/surveys';
import { LINK_SECRET, STAFF, TOKENS, communityPlan, eventually, request, signIn, startActivity, type CookieJar } from '../api/dashboard/harness';
import { insertPeople } from '../db/fixtures';
import { DIALECTS } from '../db/harness';
import { BASELINE, SURVEY } from './survey-fixture';
import { answerTextInHistories } from './history-scan';

jest.setTimeout(400_000);

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
/** The cycle's period runs from a minute ago to PERIOD from now; its end round opens END_OPENS after the start of the test. */
const PERIOD = 10 * MINUTE;
const END_OPENS = 90 * SECOND;

/** Φ(x) by Simpson's rule on the normal density (independent of the product's approximation). */
function phi(x: number): number {
  const steps = 20_000;
  const h = x / steps;
  const f = (t: number) => Math.exp((-t * t) / 2) / Math.sqrt(2 * Math.PI);
  let s = f(0) + f(x);
  for (let i = 1; i < steps; i++) s += (i % 2 === 1 ? 4 : 2) * f(i * h);
  return 0.5 + (s * h) / 3;
}

// ---- the script: 40 families, f(1) … f(40) ------------------------------------------------------
const N = 40;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);
const ALL = range(1, N);
const SECRET = '答卷秘文';

// "每周至少一次深度对话" (yes/no): 1–12 no → yes, 13–14 yes → no, 15–24 yes → yes, 25–40 no → no.
//   Baseline yes: 13–24 = 12 of 40 = 30%. End yes: 1–12 and 15–24 = 22 of 40 = 55%.
//   Mean change (yes 1, no 0): (12 − 2)/40 = 0.25, i.e. +25 percentage points.
//   Exact McNemar: discordant 12 up, 2 down: p = 2·P(X ≤ 2 | n = 14, ½) = 2·(1 + 14 + 91)/16384 = 212/16384 = 0.0129395…
const talkBefore = (i: number) => i >= 13 && i <= 24;
const talkAfter = (i: number) => i <= 12 || (i >= 15 && i <= 24);
// "孩子能较好地管理自己的情绪" (1–5): 1–6: 2 → 4, 7–14: 3 → 4, 15–20: 4 → 3, 21–40: 3 → 3.
//   Share of 4–5: before 15–20 = 6/40 = 15%; after 1–14 = 14/40 = 35%.
//   Mean change: (6·2 + 8·1 − 6·1)/40 = 14/40 = 0.35.
//   Wilcoxon: 20 zeros dropped, n = 20; |d| = 1 ×14 (ranks 1–14, mid-rank 7.5), |d| = 2 ×6 (ranks
//   15–20, mid-rank 17.5); V = 6·17.5 + 8·7.5 = 165; μ = 20·21/4 = 105; ties (14³ − 14) + (6³ − 6) = 2940;
//   σ² = 20·21·41/24 − 2940/48 = 717.5 − 61.25 = 656.25; z = (165 − 105 − 0.5)/√656.25; p = 2(1 − Φ(z)) ≈ 0.0202.
const emotionBefore = (i: number) => (i <= 6 ? 2 : i <= 14 ? 3 : i <= 20 ? 4 : 3);
const emotionAfter = (i: number) => (i <= 14 ? 4 : 3);
const EMOTION_P = 2 * (1 - phi((165 - 105 - 0.5) / Math.sqrt(656.25)));
const TALK_P = 212 / 16384;
// "家中有两个及以上孩子" (optional): baseline answered by 1–4, end by 1–3 and 5: 3 pairs, not shown.
// "孩子所在学段": option by i mod 3 (0 preschool: 13 families, 1 primary: 14, 2 middle: 13).
// "想对社区说的话" (text): 1–10 write something that must never be shown.
const STAGES = ['preschool', 'primary', 'middle'] as const;
function profile(i: number, when: 'baseline' | 'end'): Answers {
  const siblingsAnswered = when === 'baseline' ? i <= 4 : i <= 3 || i === 5;
  return {
    talk: when === 'baseline' ? talkBefore(i) : talkAfter(i),
    emotion: when === 'baseline' ? emotionBefore(i) : emotionAfter(i),
    ...(siblingsAnswered ? { siblings: i % 2 === 1 } : {}),
    stage: STAGES[i % 3] as string,
    ...(i <= 10 ? { words: `${SECRET}-${when}-${i}-周末的活动让我们家更亲近` } : {}),
  };
}
// Activity A's survey: invited 1–25, answered 1–20 (80%). Understanding: 1–8 → 5, 9–17 → 4,
//   18–19 → 3, 20 → 2: counts 1:0 2:1 3:2 4:9 5:8, mean (40 + 36 + 6 + 2)/20 = 4.2. Helping: yes
//   1–18, no 19–20: 90%.
// Activity B's survey: invited 11–40, answered 11–28, then 28 withdraws: 17 of 30 (57%).
//   Understanding: 11–20 → 5, 21–27 → 3: counts 3:7 5:10, mean 71/17 = 4.18. Helping: yes 11–25,
//   no 26–27: 15/17 = 88%.
const surveyA = (i: number): Answers => ({ understanding: i <= 8 ? 5 : i <= 17 ? 4 : i <= 19 ? 3 : 2, helping: i <= 18, ...(i <= 5 ? { advice: `${SECRET}-A-${i}` } : {}) });
const surveyB = (i: number): Answers => ({ understanding: i <= 20 ? 5 : 3, helping: i <= 25, ...(i <= 15 ? { advice: `${SECRET}-B-${i}` } : {}) });
// Then family 40 (no → no, 3 → 3) withdraws its end answer: 39 pairs. Talk 12/39 = 31% → 22/39 =
//   56%, +10/39 = +26 points, same discordant pairs so the same p; emotion 6/39 = 15% → 14/39 = 36%,
//   +14/39 = +0.36, its change was 0, so the same V and p. The end round: 39 of 40 (98%).

const pad = (i: number) => String(i).padStart(2, '0');

describe.each(DIALECTS)('the cycle evaluation on %s', (dialect) => {
  let h: AppHarness;
  let jar: CookieJar;
  const run = `${dialect}-${Date.now().toString(36)}`;
  const cycleId = `eval-${run}`;
  const fam = (i: number) => `ev-${run}-${pad(i)}`;
  let activityA: string;
  let activityB: string;
  const rounds = { baseline: roundIdFor('baseline', cycleId), a: '', b: '', end: roundIdFor('end', cycleId) };

  /** The signed links the sweeper emailed for a round, by family (read from each link's claims, as the page does). */
  async function linksOf(roundId: string, expected: number): Promise<Map<string, string>> {
    return eventually(
      async () => {
        const links = new Map<string, string>();
        for (const m of h.mailbox.messages()) {
          for (const [url, token] of m.text.matchAll(/https?:\/\/[^\s"<>]+\/survey\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g)) {
            const claims = JSON.parse(Buffer.from((token as string).split('.')[0] as string, 'base64url').toString('utf8')) as { wf: string; rcp: string };
            if (claims.wf.startsWith(`survey:sv:${roundId}:`)) links.set(claims.rcp.slice('family:'.length), url);
          }
        }
        return links.size === expected ? links : undefined;
      },
      120_000,
      `${expected} invitations of ${roundId}`,
      500,
    );
  }

  async function answerAll(roundId: string, who: readonly number[], invited: number, script: (i: number) => Answers): Promise<Map<string, string>> {
    const links = await linksOf(roundId, invited);
    for (const i of who) {
      const res = await answerSurvey(links.get(fam(i)) as string, script(i));
      expect({ roundId, i, status: res.status }).toEqual({ roundId, i, status: 200 });
    }
    return links;
  }

  async function stageOf(activityId: string): Promise<string> {
    const res = await fetch(`${h.baseUrl}/api/activities/${activityId}`, { headers: { authorization: `Bearer ${TOKENS.co}` } });
    return ((await res.json()) as { stage: string }).stage;
  }

  let endLinks: Map<string, string>;

  beforeAll(async () => {
    const t0 = Date.now();
    h = await startAppHarness({
      tmpPrefix: 'cogov-eval-',
      taskQueuePrefix: 'eval-test-',
      linkSecret: LINK_SECRET,
      mailFrom: 'noreply@eval.example.test',
      messageIdDomain: 'eval.example.test',
      staff: STAFF,
      tokens: TOKENS,
      dialect,
      worker: true,
      seed: (db) => insertPeople(db, { families: ALL.map((i) => ({ id: fam(i), compound_id: 'c-east', name: `家庭${pad(i)}`, email: `f${pad(i)}-${run}@eval.example.test`, members: 3 })) }),
      env: {
        VENUE_ANSWER_TIMEOUT: '2m',
        APPROVAL_REMINDER_AFTER: '2m',
        APPROVAL_ESCALATE_AFTER: '4m',
        REMINDER_OFFSETS: '5000ms',
        ATTENDANCE_OPENS_BEFORE: '4000ms',
        ATTENDANCE_CLOSES_AFTER: '2000ms',
        // The activities' surveys close with the supervisor's deadline: long enough to answer them.
        FEEDBACK_DEADLINE: '5m',
        FEEDBACK_REMINDER_BEFORE: '5000ms',
        SURVEY_SWEEP_INTERVAL: '500ms',
        // The end round opens END_OPENS into the test (period end − lead); both cycle rounds stay open to the period's end.
        SURVEY_END_LEAD: `${PERIOD - END_OPENS}ms`,
        SURVEY_CYCLE_ROUND_OPEN: `${PERIOD}ms`,
        SURVEY_CYCLE_REMIND_AFTER: '1h',
      },
      deps: {
        linkRateLimit: { capacity: 10_000, perMinute: 10_000 },
        signInRateLimit: { capacity: 1000, perMinute: 1000 },
        signInPageRateLimit: { capacity: 1000, perMinute: 1000 },
        signInAddressLimit: { capacity: 1000, perMinute: 1000 },
      },
    });
    const db = h.db;
    await new Cycles(db).ensure({
      cycleId,
      name: '锦华合鸣第一期',
      periodStart: new Date(t0 - MINUTE).toISOString(),
      periodEnd: new Date(t0 + PERIOD).toISOString(),
      compounds: ['c-east'],
      coordinator: { id: STAFF.co.id },
      supervisor: { id: STAFF.su.id },
      milestones: [],
    });
    // The questionnaires, and the cycle's choice of them: its baseline and end rounds go on record.
    const surveys = new Surveys(db);
    const baseline = await surveys.createQuestionnaire({ definition: BASELINE, by: STAFF.co.id });
    const survey = await surveys.createQuestionnaire({ definition: SURVEY, by: STAFF.co.id });
    await surveys.setCycleQuestionnaires(cycleId, { baselineQuestionnaireId: baseline.questionnaireId, surveyQuestionnaireId: survey.questionnaireId }, h.config.surveys);

    // Two activities through the API, 36 s long, starting shortly; approved by the coordinator.
    const plan = (title: string, startsInMs: number) => {
      const startsAt = new Date(Math.floor((t0 + startsInMs) / SECOND) * SECOND);
      return communityPlan(title, { startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + 36 * SECOND).toISOString(), venue: { kind: 'community', venueName: '东苑活动室', hours: 0.01 } });
    };
    activityA = await startActivity(h, cycleId, plan('亲子运动会', 30 * SECOND));
    activityB = await startActivity(h, cycleId, plan('家庭读书会', 32 * SECOND));
    rounds.a = roundIdFor('activity', activityA);
    rounds.b = roundIdFor('activity', activityB);
    for (const id of [activityA, activityB]) {
      await eventually(async () => ((await stageOf(id)) === 'approval' ? true : undefined), 30_000, `${id} waiting for approval`);
      const approved = await fetch(`${h.baseUrl}/api/activities/${id}/approval`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKENS.co}`, 'content-type': 'application/json' },
        body: JSON.stringify({ round: 1, decision: 'approve' }),
      });
      expect(approved.status).toBe(200);
    }

    // The baseline opened at the period's start: every family of the compound has its link.
    await answerAll(rounds.baseline, ALL, N, (i) => profile(i, 'baseline'));

    // Check-in: A's families 1–25, B's 11–40 (the db service the desk and the QR scan use).
    const checkIns = new CheckIns(db);
    for (const [id, who] of [[activityA, range(1, 25)], [activityB, range(11, 40)]] as const) {
      await eventually(async () => ((await db.selectFrom('activities').select('attendance_state').where('id', '=', id).executeTakeFirstOrThrow()).attendance_state === 'open' ? true : undefined), 60_000, `check-in of ${id}`);
      for (const i of who) expect((await checkIns.checkIn({ activityId: id, personKind: 'family', personId: fam(i), method: 'qr' })).status).toBe('checkedIn');
    }

    // The feedback stage opens each activity's survey to the families that checked in.
    await answerAll(rounds.a, range(1, 20), 25, surveyA);
    const linksB = await answerAll(rounds.b, range(11, 28), 30, surveyB);
    expect((await withdrawSurvey(linksB.get(fam(28)) as string)).status).toBe(200);

    // The end round opens before the period's end: the same version, to every family again.
    endLinks = await answerAll(rounds.end, ALL, N, (i) => profile(i, 'end'));
    jar = await signIn(h, 'co');
  });

  afterAll(async () => {
    await h?.close();
  });

  /** A page in Chinese unless the path asks for English (the choice is remembered in a cookie). */
  const get = async (path: string) => {
    const p = await request(`${h.baseUrl}${path}${path.includes('lang=') ? '' : `${path.includes('?') ? '&' : '?'}lang=zh-CN`}`, jar);
    expect({ path, status: p.status }).toEqual({ path, status: 200 });
    expect(p.text).not.toContain(SECRET);
    return p.text;
  };
  /** The pre/post table's row of an item, as text. */
  const rowOf = (page: string, itemId: string) => {
    const m = new RegExp(`<tr data-item="${itemId}">(.*?)</tr>`).exec(page);
    if (!m?.[1]) throw new Error(`no row for ${itemId}`);
    return m[1].replace(/<[^>]+>/g, '|');
  };
  const roundRow = (page: string, roundId: string) => {
    const m = new RegExp(`<tr data-round="${roundId}">(.*?)</tr>`).exec(page);
    if (!m?.[1]) throw new Error(`no row for ${roundId}`);
    return m[1].replace(/<[^>]+>/g, '|').split('|').filter(Boolean);
  };

  test('the report shows each round’s response rate and the pre/post figures worked out from the script', async () => {
    const page = await get(`/dashboard/cycles/${cycleId}/report`);
    expect(page).toContain('<h2>成效评估');
    expect(roundRow(page, rounds.baseline)).toEqual(['基线问卷（周期开始）', '家庭画像', '40', '40', '100%']);
    expect(roundRow(page, rounds.a)).toEqual(['活动问卷：亲子运动会', '活动满意度', '25', '20', '80%']);
    expect(roundRow(page, rounds.b)).toEqual(['活动问卷：家庭读书会', '活动满意度', '30', '17', '57%']);
    expect(roundRow(page, rounds.end)).toEqual(['期末问卷（周期结束）', '家庭画像', '40', '40', '100%']);
    expect(page).toContain('40 户两次都作答');
    expect(page).toContain('1–5 分量表题的比例为回答 4 或 5 分的比例');

    expect(rowOf(page, 'talk')).toBe(`|每周至少一次深度对话：30% → 55%||40||+25 个百分点||${TALK_P.toFixed(3)}||精确 McNemar 检验|`);
    expect(TALK_P.toFixed(3)).toBe('0.013');
    expect(rowOf(page, 'emotion')).toBe(`|孩子能较好地管理自己的情绪：15% → 35%||40||+0.35||${EMOTION_P.toFixed(3)}||Wilcoxon 符号秩检验（正态近似，含结与连续性校正）|`);
    expect(EMOTION_P.toFixed(3)).toBe('0.020');
    expect(rowOf(page, 'siblings')).toBe('|家中有两个及以上孩子||3||少于5对，不显示|');

    // The same figures as pictures: a before and an after bar for each item with five pairs or more
    // (two items here; the third has too few), a bar per round.
    const chart = (id: string) => new RegExp(`<figure class="chart" id="${id}">[\\s\\S]*?</figure>`).exec(page)?.[0] ?? '';
    expect(chart('chart-cycle-outcomes-prepost').match(/<rect[^>]*class="bar/g)?.length).toBe(4);
    expect(chart('chart-cycle-outcomes-rates').match(/<rect[^>]*class="bar/g)?.length).toBe(4);
    expect(chart('chart-cycle-outcomes-prepost')).not.toContain('<script');

    // Every figure traces to its round's page.
    for (const id of Object.values(rounds)) expect(page).toContain(`href="/dashboard/surveys/rounds/${encodeURIComponent(id)}?lang=zh-CN"`);

    const en = await get(`/dashboard/cycles/${cycleId}/report?lang=en`);
    expect(rowOf(en, 'talk')).toContain('At least one deep conversation a week: 30% → 55%');
    expect(rowOf(en, 'talk')).toContain('+25 percentage points');
    expect(rowOf(en, 'siblings')).toContain('fewer than 5 pairs, not shown');
  });

  test('the outcomes CSV carries the same figures, aggregates only', async () => {
    const csv = await get(`/dashboard/cycles/${cycleId}/csv/outcomes`);
    const [header = [], ...records] = parseCsv(csv.replace(/^\uFEFF/, '')).map((r) => r.fields);
    const rows = records.map((fields) => Object.fromEntries(header.map((name, k) => [name, fields[k] ?? ''])));
    const prePost = (item: string) => rows.find((r) => r['类别'] === '前后测对比' && r['题目'] === item);
    expect(prePost('每周至少一次深度对话')).toMatchObject({ 配对数: '40', 基线比例: '0.3', 期末比例: '0.55', 平均变化: '0.25', 'p 值': TALK_P.toPrecision(6), 检验方法: '精确 McNemar 检验', '依据（问卷轮次编号）': `${rounds.baseline} ${rounds.end}` });
    expect(prePost('孩子能较好地管理自己的情绪')).toMatchObject({ 配对数: '40', 基线比例: '0.15', 期末比例: '0.35', 平均变化: '0.35', 'p 值': String(Number(EMOTION_P.toPrecision(6))) });
    expect(prePost('家中有两个及以上孩子')).toMatchObject({ 配对数: '3', 基线比例: '', 'p 值': '', 检验方法: '少于5对，不显示' });
    const itemRow = (round: string, item: string) => rows.find((r) => r['类别'] === '题目分布' && r['问卷轮次'] === round && r['题目'] === item);
    expect(itemRow('活动问卷：亲子运动会', '活动增进了家庭成员之间的相互理解')).toMatchObject({ 已回复: '20', 分布: '1: 0; 2: 1; 3: 2; 4: 9; 5: 8', 平均分: '4.2' });
    expect(itemRow('活动问卷：家庭读书会', '孩子更愿意帮助他人')).toMatchObject({ 已回复: '17', 平均分: '0.8824' });
    expect(itemRow('基线问卷（周期开始）', '孩子所在学段')).toMatchObject({ 分布: '学前: 13; 小学: 14; 初中: 13' });
    expect(itemRow('基线问卷（周期开始）', '想对社区说的话')).toMatchObject({ 已回复: '10', 分布: '10 份作答（文字内容不在此显示）' });
    // No family's id or name anywhere.
    for (const i of ALL) {
      expect(csv).not.toContain(fam(i));
      expect(csv).not.toContain(`家庭${pad(i)}`);
    }
  });

  test('the JSON API gives the same: the evaluation beside the report, and the outcomes table as CSV', async () => {
    const auth = { authorization: `Bearer ${TOKENS.co}` };
    const json = (await (await fetch(`${h.baseUrl}/api/cycles/${cycleId}/report`, { headers: auth })).json()) as { evaluation: { prePost: { families: number; items: { itemId: string; pairs: number; figures?: { shareBefore: number; shareAfter: number; meanChange: number; test: { pValue: number } } }[] } } };
    const talk = json.evaluation.prePost.items.find((i) => i.itemId === 'talk');
    expect(talk).toMatchObject({ pairs: 40, figures: { shareBefore: 0.3, shareAfter: 0.55, meanChange: 0.25 } });
    expect(talk?.figures?.test.pValue).toBeCloseTo(TALK_P, 12);
    const csv = await fetch(`${h.baseUrl}/api/cycles/${cycleId}/report?format=csv&table=outcomes&lang=en`, { headers: auth });
    expect(csv.status).toBe(200);
    const text = await csv.text();
    expect(text).toContain('At least one deep conversation a week');
    expect(text).not.toContain(SECRET);
  });

  test("the year report carries the cycle's outcome items: pre/post bars, the same figures in its table and its CSV", async () => {
    const page = await get('/dashboard/reports/year');
    // One before/after pair of bars per shown item (the item under five pairs has none), one bar per round.
    const svg = (id: string) => new RegExp(`<figure class="chart" id="${id}">[\\s\\S]*?</figure>`).exec(page)?.[0] ?? '';
    expect(svg('chart-outcomes-prepost')).toContain('每周至少一次深度对话');
    expect(svg('chart-outcomes-rates').match(/<rect[^>]*class="bar/g)?.length).toBe(4);
    expect(page).toContain(`锦华合鸣第一期 · 每周至少一次深度对话：30% → 55%`);
    expect(page).toContain(TALK_P.toFixed(3));
    expect(page).toContain(`锦华合鸣第一期 · 孩子能较好地管理自己的情绪：15% → 35%`);
    expect(page).toContain('少于5对，不显示');
    expect(page).toContain(`href="/dashboard/cycles/${encodeURIComponent(cycleId)}/report#evaluation"`);

    const csv = await get('/dashboard/reports/year/csv/outcomes');
    const [header = [], ...records] = parseCsv(csv.replace(/^\uFEFF/, '')).map((r) => r.fields);
    const rows = records.map((fields) => Object.fromEntries(header.map((name, k) => [name, fields[k] ?? ''])));
    expect(rows.find((r) => r['问卷或题目'] === '锦华合鸣第一期 · 每周至少一次深度对话')).toMatchObject({ 配对数: '40', 基线比例: '0.3', 期末比例: '0.55', 平均变化: '0.25' });
    expect(rows.find((r) => r['问卷或题目'] === '亲子运动会')).toMatchObject({ 邀请家庭: '25', 已回复: '20' });
    for (const i of ALL) expect(csv).not.toContain(`家庭${pad(i)}`);
  });

  test("each activity's page shows its survey's response rate and distributions", async () => {
    const a = await get(`/dashboard/activities/${activityA}`);
    expect(a).toContain('<h2>参与者问卷</h2>');
    expect(a).toContain(`<a href="/dashboard/surveys/rounds/${encodeURIComponent(rounds.a)}?lang=zh-CN">回复 20/25（80%）</a>`);
    expect(a).toContain('20 份作答 · 平均 4.2 分');
    expect(a).toContain('“是” 90%（是 18，否 2）');
    expect(a).toContain('5 份作答（文字内容不在此显示）');
    const b = await get(`/dashboard/activities/${activityB}`);
    expect(b).toContain('回复 17/30（57%）');
    expect(b).toContain('17 份作答 · 平均 4.18 分');
    expect(b).toContain('“是” 88%（是 15，否 2）');
  });

  test("a round's page lists who was invited and whether they answered, never what", async () => {
    const page = await get(`/dashboard/surveys/rounds/${encodeURIComponent(rounds.b)}`);
    expect(page).toContain('回复 17/30（57%）');
    const rows = [...page.matchAll(/<tr><td class="name">(家庭\d\d)<\/td>.*?<span class="badge (green|grey)">/g)].map((m) => [m[1], m[2] === 'green']);
    expect(rows).toEqual(range(11, 40).map((i) => [`家庭${pad(i)}`, i <= 27]));
    for (const word of ['活动增进了家庭成员之间的相互理解', '孩子更愿意帮助他人']) expect(page).not.toContain(word);
    // Another compound's property manager may not see it; a supervisor may not see a cycle's round.
    const west = await signIn(h, 'pmWest');
    expect((await request(`${h.baseUrl}/dashboard/surveys/rounds/${encodeURIComponent(rounds.b)}`, west)).status).toBe(403);
    const su = await signIn(h, 'su');
    expect((await request(`${h.baseUrl}/dashboard/surveys/rounds/${encodeURIComponent(rounds.baseline)}`, su)).status).toBe(403);
    expect((await request(`${h.baseUrl}/dashboard/surveys/rounds/no-such-round`, jar)).status).toBe(404);
  });

  test('a withdrawn end answer leaves every figure at the next view', async () => {
    // Family 40 withdraws its end answer through its link.
    expect((await withdrawSurvey(endLinks.get(fam(40)) as string)).status).toBe(200);
    const page = await get(`/dashboard/cycles/${cycleId}/report`);
    expect(roundRow(page, rounds.end)).toEqual(['期末问卷（周期结束）', '家庭画像', '40', '39', '98%']);
    expect(page).toContain('39 户两次都作答');
    expect(rowOf(page, 'talk')).toBe(`|每周至少一次深度对话：31% → 56%||39||+26 个百分点||0.013||精确 McNemar 检验|`);
    expect(rowOf(page, 'emotion')).toBe(`|孩子能较好地管理自己的情绪：15% → 36%||39||+0.36||0.020||Wilcoxon 符号秩检验（正态近似，含结与连续性校正）|`);
  });

  test('no answer text is in any Temporal history the test recorded', async () => {
    const scanned = await answerTextInHistories(h, SECRET);
    expect(scanned.workflows).toBeGreaterThanOrEqual(2);
    expect(scanned.found).toEqual([]);
  });
});
