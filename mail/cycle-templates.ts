/**
 * The incubation cycle's emails, in Simplified Chinese (default) and English: a milestone is due
 * soon (to the coordinator and the supervisor), a milestone is overdue (to the coordinator), and
 * the cycle's report is ready (to the coordinator). One plain-text part and one small
 * inline-styled HTML part; every value is HTML-escaped here. Times are shown in Asia/Shanghai.
 *
 * Pure: no I/O, so the message types can cross Temporal (workflow → activity).
 */
import type { Locale } from '../domain/schemas';
import type { RenderedEmail } from './messages';
import { ACCENT, FONT, TIME_ZONE, escapeHtml, oneLine, safeHref } from './format';


export interface CycleRef {
  cycleId: string;
  name: string;
  periodStart: string;
  periodEnd: string;
}

export interface MilestoneRef {
  id: string;
  name: string;
  dueAt: string;
}

/** What the workflow decides to say; the activity adds the recipient's name and the links. */
export type CycleEmailDraft =
  | { purpose: 'milestoneReminder'; cycle: CycleRef; milestone: MilestoneRef }
  | { purpose: 'milestoneEscalation'; cycle: CycleRef; milestone: MilestoneRef; supervisorName: string }
  | {
      purpose: 'cycleReportReady';
      cycle: CycleRef;
      held: number;
      cancelled: number;
      rejected: number;
      participants: number;
      families: number;
      sponsorshipCny: number;
    };

export type CycleEmailPurpose = CycleEmailDraft['purpose'];

export type CycleEmailMessage = CycleEmailDraft & {
  recipientName: string;
  /** The cycle's page on the dashboard. */
  cycleUrl: string;
  /** The report's page on the dashboard. */
  reportUrl: string;
};

interface Content {
  subject: string;
  heading: string;
  paragraphs: string[];
  details: [string, string][];
  link: { label: string; url: string };
}

interface Strings {
  lang: string;
  intl: string;
  colon: string;
  greeting(name: string): string;
  dateTime(iso: string): string;
  money(yuan: number): string;
  labels: { cycle: string; period: string; milestone: string; due: string };
  signature: string;
  footer: string;
  build: { [P in CycleEmailPurpose]: (m: Extract<CycleEmailMessage, { purpose: P }>, s: Strings) => Content };
}

function dateTimeIn(iso: string, intl: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return new Intl.DateTimeFormat(intl, {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: intl === 'zh-CN' ? 'numeric' : 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(ms));
}

const zhCN: Strings = {
  lang: 'zh-CN',
  intl: 'zh-CN',
  colon: '：',
  greeting: (name) => `${name}，您好：`,
  dateTime: (iso) => dateTimeIn(iso, 'zh-CN'),
  money: (yuan) => `${new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 0, maximumFractionDigits: 2 }).format(yuan)} 元`,
  labels: { cycle: '孵化周期', period: '周期', milestone: '节点', due: '截止时间' },
  signature: '锦华社区三长共治专班',
  footer: '此邮件由系统自动发送，请勿直接回复。',
  build: {
    milestoneReminder: (m, s) => ({
      subject: `孵化节点提醒：${m.milestone.name}（${m.cycle.name}）将于${s.dateTime(m.milestone.dueAt)}到期`,
      heading: `孵化节点即将到期：${m.milestone.name}`,
      paragraphs: [`孵化周期“${m.cycle.name}”的节点“${m.milestone.name}”即将到期。完成后，请项目协调人或督导在工作台上记录完成情况。`],
      details: milestoneDetails(m, s),
      link: { label: '打开孵化周期', url: m.cycleUrl },
    }),
    milestoneEscalation: (m, s) => ({
      subject: `孵化节点逾期：${m.milestone.name}（${m.cycle.name}）`,
      heading: `孵化节点已逾期：${m.milestone.name}`,
      paragraphs: [
        `孵化周期“${m.cycle.name}”的节点“${m.milestone.name}”已过截止时间，仍未记录完成。`,
        `请与督导${m.supervisorName}确认进展；完成后在工作台上记录，报告会标明该节点逾期完成。`,
      ],
      details: milestoneDetails(m, s),
      link: { label: '打开孵化周期', url: m.cycleUrl },
    }),
    cycleReportReady: (m, s) => ({
      subject: `孵化周期报告已生成：${m.cycle.name}`,
      heading: `孵化周期报告：${m.cycle.name}`,
      paragraphs: ['本孵化周期已结束，其所有活动均已完成。报告中的每项数据都由系统记录计算得出，并注明所依据的记录，可导出为 CSV（Excel 可直接打开）。'],
      details: [
        [s.labels.cycle, m.cycle.name],
        [s.labels.period, `${s.dateTime(m.cycle.periodStart)} – ${s.dateTime(m.cycle.periodEnd)}`],
        ['举办活动', `${m.held} 场（取消 ${m.cancelled} 场，未通过 ${m.rejected} 场）`],
        ['参与人次', String(m.participants)],
        ['参与家庭', `${m.families} 户`],
        ['赞助金额', s.money(m.sponsorshipCny)],
      ],
      link: { label: '查看报告', url: m.reportUrl },
    }),
  },
};

const en: Strings = {
  lang: 'en',
  intl: 'en-GB',
  colon: ': ',
  greeting: (name) => `Dear ${name},`,
  dateTime: (iso) => dateTimeIn(iso, 'en-GB'),
  money: (yuan) => `CNY ${new Intl.NumberFormat('en-GB', { minimumFractionDigits: 0, maximumFractionDigits: 2 }).format(yuan)}`,
  labels: { cycle: 'Incubation cycle', period: 'Period', milestone: 'Milestone', due: 'Due' },
  signature: 'Jinhua Community Three-Heads Co-governance Team',
  footer: 'Sent automatically. Please do not reply to this email.',
  build: {
    milestoneReminder: (m, s) => ({
      subject: `Milestone due soon: ${m.milestone.name} (${m.cycle.name}), due ${s.dateTime(m.milestone.dueAt)}`,
      heading: `Milestone due soon: ${m.milestone.name}`,
      paragraphs: [`The milestone “${m.milestone.name}” of the incubation cycle “${m.cycle.name}” is due soon. Once it is done, the coordinator or the supervisor records it on the dashboard.`],
      details: milestoneDetails(m, s),
      link: { label: 'Open the cycle', url: m.cycleUrl },
    }),
    milestoneEscalation: (m, s) => ({
      subject: `Milestone overdue: ${m.milestone.name} (${m.cycle.name})`,
      heading: `Milestone overdue: ${m.milestone.name}`,
      paragraphs: [
        `The milestone “${m.milestone.name}” of the incubation cycle “${m.cycle.name}” is past its due time and not recorded as done.`,
        `Please check with the supervisor, ${m.supervisorName}; record it on the dashboard once done. The report will show it as late.`,
      ],
      details: milestoneDetails(m, s),
      link: { label: 'Open the cycle', url: m.cycleUrl },
    }),
    cycleReportReady: (m, s) => ({
      subject: `Incubation cycle report ready: ${m.cycle.name}`,
      heading: `Incubation cycle report: ${m.cycle.name}`,
      paragraphs: [
        'The cycle has ended and all of its activities have finished. Every figure in the report is computed from the records and names the records behind it; each table can be exported as CSV (opens in Excel).',
      ],
      details: [
        [s.labels.cycle, m.cycle.name],
        [s.labels.period, `${s.dateTime(m.cycle.periodStart)} – ${s.dateTime(m.cycle.periodEnd)}`],
        ['Activities held', `${m.held} (cancelled ${m.cancelled}, rejected ${m.rejected})`],
        ['Participants', String(m.participants)],
        ['Families', String(m.families)],
        ['Sponsorship', s.money(m.sponsorshipCny)],
      ],
      link: { label: 'View the report', url: m.reportUrl },
    }),
  },
};

function milestoneDetails(m: { cycle: CycleRef; milestone: MilestoneRef }, s: Strings): [string, string][] {
  return [
    [s.labels.cycle, m.cycle.name],
    [s.labels.milestone, m.milestone.name],
    [s.labels.due, s.dateTime(m.milestone.dueAt)],
  ];
}

const STRINGS: Record<Locale, Strings> = { 'zh-CN': zhCN, en };

/** Renders one cycle email. An unknown locale falls back to Simplified Chinese. */
export function renderCycleEmail(message: CycleEmailMessage, locale: Locale = 'zh-CN'): RenderedEmail {
  const s = STRINGS[locale] ?? zhCN;
  const build = s.build[message.purpose] as (m: CycleEmailMessage, s: Strings) => Content;
  const c = build(message, s);
  const subject = oneLine(c.subject);

  const text =
    [
      s.greeting(message.recipientName),
      ...c.paragraphs,
      c.details.map(([label, value]) => `${label}${s.colon}${value}`).join('\n'),
      `${c.link.label}${s.colon.trimEnd()}\n${c.link.url}`,
      `——\n${s.signature}\n${s.footer}`,
    ].join('\n\n') + '\n';

  const href = safeHref(c.link.url);
  const rows = c.details
    .map(
      ([label, value]) =>
        `<tr><td style="padding:4px 12px 4px 0;color:#666;white-space:nowrap;vertical-align:top;">${escapeHtml(label)}</td><td style="padding:4px 0;">${escapeHtml(value)}</td></tr>`,
    )
    .join('');
  const button =
    href === undefined
      ? `<p style="margin:20px 0;">${escapeHtml(c.link.label)}${escapeHtml(s.colon)}${escapeHtml(c.link.url)}</p>`
      : `<p style="margin:24px 0;text-align:center;"><a href="${escapeHtml(href)}" style="display:inline-block;background:${ACCENT};color:#ffffff;text-decoration:none;border-radius:8px;padding:12px 22px;font-weight:bold;">${escapeHtml(c.link.label)}</a></p>`;
  const html =
    `<!DOCTYPE html><html lang="${s.lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f3efe6;">` +
    `<div style="max-width:600px;margin:0 auto;padding:16px 12px;font-family:${FONT};font-size:16px;line-height:1.7;color:#222;">` +
    `<div style="background:#ffffff;border-radius:12px;padding:22px 18px;">` +
    `<h1 style="margin:0 0 16px;font-size:20px;line-height:1.4;color:${ACCENT};">${escapeHtml(c.heading)}</h1>` +
    `<p style="margin:0 0 14px;">${escapeHtml(s.greeting(message.recipientName))}</p>` +
    c.paragraphs.map((p) => `<p style="margin:0 0 14px;">${escapeHtml(p)}</p>`).join('') +
    `<table style="border-collapse:collapse;margin:8px 0 4px;font-size:15px;">${rows}</table>` +
    button +
    `</div>` +
    `<p style="margin:14px 8px 0;font-size:12px;line-height:1.6;color:#8a8a8a;text-align:center;">${escapeHtml(s.signature)}<br>${escapeHtml(s.footer)}</p>` +
    `</div></body></html>`;
  return { subject, text, html };
}
