/**
 * The coordinator's daily digest (每日汇总), in Simplified Chinese (default) and English: what
 * waits for approval, which steps are overdue, and what starts in the coming days. One plain-text
 * part and one small inline-styled HTML part; every value is HTML-escaped here.
 *
 * Pure: no I/O, so the data types can cross Temporal (activity result → workflow → activity).
 */
import type { Locale } from '../domain/schemas';
import { PENDING_ACTION_TERMS, ROLE_TERMS, STAGE_TERMS, termsFor } from '../domain/vocabulary';
import { ACCENT, FONT, datePartsAt, escapeHtml, formatInstant, oneLine, safeHref, type DateParts } from './format';
import type { RenderedEmail } from './messages';

/** One themed activity as the digest lists it. Ids, titles and stages only: no personal data. */
export interface DigestItem {
  activityId: string;
  title: string;
  compound: string;
  /** The workflow's stage (`approval`, `reminders`, …). */
  stage: string;
  startsAt: string;
  /** Who must act next, and by when, when someone must. */
  pending?: { role: string; action: string; dueAt?: string };
  /** The activity's page on the dashboard. */
  url: string;
}

/** What the digest of one day says; gathered once, the same for every coordinator. */
export interface DigestReport {
  /** `YYYY-MM-DD` in `timeZone`. */
  day: string;
  /** IANA zone the digest's times are shown in. */
  timeZone: string;
  /** The instant the figures were taken (ISO-8601). */
  asOf: string;
  pendingApprovals: DigestItem[];
  overdue: DigestItem[];
  upcoming: DigestItem[];
  /** How many days ahead `upcoming` looks. */
  upcomingDays: number;
  /** More activities were running than the digest looked at. */
  truncated: boolean;
  dashboardUrl: string;
}

export interface DigestMessage {
  recipientName: string;
  report: DigestReport;
}

interface Strings {
  lang: string;
  colon: string;
  greeting(name: string): string;
  subject(r: DigestReport, counts: [number, number, number]): string;
  heading(day: string): string;
  intro(r: DigestReport): string;
  sections: { pendingApprovals: string; overdue: string; upcoming(days: number): string };
  none: string;
  due: string;
  starts: string;
  stageLabel: string;
  dashboard: string;
  truncated: string;
  signature: string;
  footer: string;
  roles: Record<string, string>;
  actions: Record<string, string>;
  stages: Record<string, string>;
  dateTime(p: DateParts): string;
  date(p: DateParts): string;
}

const zhCN: Strings = {
  lang: 'zh-CN',
  colon: '：',
  greeting: (name) => `${name}，您好：`,
  subject: (r, [a, o, u]) => `【每日汇总】${formatDay(r.day, zhCN.date)}：待审批 ${a} 项，逾期 ${o} 项，近 ${r.upcomingDays} 天活动 ${u} 场`,
  heading: (day) => `每日汇总 · ${day}`,
  intro: (r) => `以下是截至 ${dateTimeIn(r.asOf, r.timeZone, zhCN)} 的主题活动情况。`,
  sections: {
    pendingApprovals: '待审批的活动方案',
    overdue: '已逾期的步骤',
    upcoming: (days) => `未来 ${days} 天的活动`,
  },
  none: '无',
  due: '截止',
  starts: '开始时间',
  stageLabel: '阶段',
  dashboard: '打开工作台查看全部',
  truncated: '进行中的活动较多，本汇总只列出了其中一部分，完整情况请查看工作台。',
  signature: '锦华社区三长共治专班',
  footer: '此邮件由系统每天自动发送给项目协调人，请勿直接回复。',
  roles: termsFor(ROLE_TERMS, 'zh-CN'),
  actions: termsFor(PENDING_ACTION_TERMS, 'zh-CN'),
  stages: termsFor(STAGE_TERMS, 'zh-CN'),
  dateTime: (p) => `${p.month}月${p.day}日 ${p.hour}:${p.minute}`,
  date: (p) => `${p.year}年${p.month}月${p.day}日`,
};

const en: Strings = {
  lang: 'en',
  colon: ': ',
  greeting: (name) => `Dear ${name},`,
  subject: (r, [a, o, u]) =>
    `Daily digest ${formatDay(r.day, en.date)}: ${a} awaiting approval, ${o} overdue, ${u} in the next ${r.upcomingDays} days`,
  heading: (day) => `Daily digest · ${day}`,
  intro: (r) => `Here is where the themed activities stand as of ${dateTimeIn(r.asOf, r.timeZone, en)}.`,
  sections: {
    pendingApprovals: 'Plans awaiting approval',
    overdue: 'Overdue steps',
    upcoming: (days) => `Activities in the next ${days} days`,
  },
  none: 'None',
  due: 'due',
  starts: 'Starts',
  stageLabel: 'Stage',
  dashboard: 'Open the dashboard for everything',
  truncated: 'Many activities are running; this digest lists only some of them. See the dashboard for all.',
  signature: 'Jinhua Community Three-Heads Co-governance Team',
  footer: 'Sent automatically every day to the project coordinators. Please do not reply to this email.',
  roles: termsFor(ROLE_TERMS, 'en'),
  actions: termsFor(PENDING_ACTION_TERMS, 'en'),
  stages: termsFor(STAGE_TERMS, 'en'),
  dateTime: (p) => `${p.day} ${p.monthName}, ${p.hour}:${p.minute}`,
  date: (p) => `${p.day} ${p.monthName} ${p.year}`,
};

const STRINGS: Record<Locale, Strings> = { 'zh-CN': zhCN, en };

function validZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return timeZone;
  } catch {
    return 'Asia/Shanghai';
  }
}

function dateTimeIn(iso: string, timeZone: string, s: Strings): string {
  return formatInstant(iso, s.dateTime, validZone(timeZone));
}

/** `2026-05-01` as a calendar date (not an instant: no zone conversion). */
function formatDay(day: string, date: (p: DateParts) => string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12);
  return date(datePartsAt(ms, 'UTC'));
}

function label(table: Record<string, string>, key: string): string {
  return table[key] ?? key;
}

interface Line {
  title: string;
  url: string;
  facts: string[];
}

function lineFor(item: DigestItem, section: 'pendingApprovals' | 'overdue' | 'upcoming', r: DigestReport, s: Strings): Line {
  const facts: string[] = [item.compound];
  if (section === 'upcoming') {
    facts.push(`${s.starts}${s.colon}${dateTimeIn(item.startsAt, r.timeZone, s)}`);
    facts.push(`${s.stageLabel}${s.colon}${label(s.stages, item.stage)}`);
  } else {
    facts.push(`${s.stageLabel}${s.colon}${label(s.stages, item.stage)}`);
    if (item.pending) {
      const who = `${label(s.roles, item.pending.role)} · ${label(s.actions, item.pending.action)}`;
      facts.push(item.pending.dueAt ? `${who} (${s.due} ${dateTimeIn(item.pending.dueAt, r.timeZone, s)})` : who);
    }
  }
  return { title: oneLine(item.title), url: item.url, facts: facts.map(oneLine) };
}

/** Renders one coordinator's digest. An unknown locale falls back to Simplified Chinese. */
export function renderDigest(message: DigestMessage, locale: Locale = 'zh-CN'): RenderedEmail {
  const s = STRINGS[locale] ?? zhCN;
  const r = message.report;
  const sections: { heading: string; lines: Line[] }[] = [
    { heading: s.sections.pendingApprovals, lines: r.pendingApprovals.map((i) => lineFor(i, 'pendingApprovals', r, s)) },
    { heading: s.sections.overdue, lines: r.overdue.map((i) => lineFor(i, 'overdue', r, s)) },
    { heading: s.sections.upcoming(r.upcomingDays), lines: r.upcoming.map((i) => lineFor(i, 'upcoming', r, s)) },
  ];
  const subject = oneLine(s.subject(r, [r.pendingApprovals.length, r.overdue.length, r.upcoming.length]));
  const dayText = formatDay(r.day, s.date);

  // Plain text.
  const blocks: string[] = [s.greeting(message.recipientName), s.intro(r)];
  for (const sec of sections) {
    const body =
      sec.lines.length === 0
        ? `  ${s.none}`
        : sec.lines.map((l, n) => `  ${n + 1}. ${l.title}\n     ${l.facts.join(' | ')}\n     ${l.url}`).join('\n');
    blocks.push(`${sec.heading} (${sec.lines.length})\n${body}`);
  }
  if (r.truncated) blocks.push(s.truncated);
  blocks.push(`${s.dashboard}${s.colon.trimEnd()}\n${r.dashboardUrl}`);
  blocks.push(`——\n${s.signature}\n${s.footer}`);
  const text = `${blocks.join('\n\n')}\n`;

  // HTML.
  const p = (t: string, style = ''): string => `<p style="margin:0 0 14px;${style}">${escapeHtml(t)}</p>`;
  const link = (t: string, url: string): string => {
    const href = safeHref(url);
    return href === undefined ? escapeHtml(t) : `<a href="${escapeHtml(href)}" style="color:${ACCENT};">${escapeHtml(t)}</a>`;
  };
  const parts: string[] = [
    `<h1 style="margin:0 0 16px;font-size:20px;line-height:1.4;color:${ACCENT};">${escapeHtml(s.heading(dayText))}</h1>`,
    p(s.greeting(message.recipientName)),
    p(s.intro(r)),
  ];
  for (const sec of sections) {
    parts.push(
      `<h2 style="margin:20px 0 8px;font-size:17px;color:#222;">${escapeHtml(sec.heading)} <span style="color:#8a8a8a;font-weight:normal;">(${sec.lines.length})</span></h2>`,
    );
    if (sec.lines.length === 0) {
      parts.push(p(s.none, 'color:#8a8a8a;'));
      continue;
    }
    const items = sec.lines
      .map(
        (l) =>
          `<li style="margin:0 0 10px;">${link(l.title, l.url)}<br>` +
          `<span style="font-size:14px;color:#555;">${l.facts.map(escapeHtml).join(' · ')}</span></li>`,
      )
      .join('');
    parts.push(`<ul style="margin:0 0 8px;padding-left:20px;">${items}</ul>`);
  }
  if (r.truncated) parts.push(p(s.truncated, 'font-size:14px;color:#555;'));
  parts.push(`<p style="margin:24px 0 8px;text-align:center;">${link(s.dashboard, r.dashboardUrl)}</p>`);
  const html =
    `<!DOCTYPE html><html lang="${s.lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f3efe6;">` +
    `<div style="max-width:600px;margin:0 auto;padding:16px 12px;font-family:${FONT};font-size:16px;line-height:1.7;color:#222;">` +
    `<div style="background:#ffffff;border-radius:12px;padding:22px 18px;">${parts.join('')}</div>` +
    `<p style="margin:14px 8px 0;font-size:12px;line-height:1.6;color:#8a8a8a;text-align:center;">${escapeHtml(s.signature)}<br>${escapeHtml(s.footer)}</p>` +
    `</div></body></html>`;
  return { subject, text, html };
}
