/**
 * Strings of the action-link pages, per locale: Simplified Chinese (default) and English.
 * Times are shown in Beijing time, like the emails.
 */
import type { Locale } from '../../domain/schemas';
import type { Request } from 'express';
import { formatInstant, formatRange, type DateParts } from '../../mail/format';
import type { Stage } from '../../domain/activity';
import { DECISION_OUTCOME_TERMS, STAGE_TERMS, label, termsFor } from '../../domain/vocabulary';

export type StepName = 'approval' | 'venueRequest' | 'supervisionFeedback';
export type ActionName = 'approve' | 'reject' | 'requestChanges' | 'accept' | 'decline' | 'submit';

export interface PageStrings {
  lang: string;
  siteName: string;
  otherLanguage: { label: string; lang: Locale };
  labels: {
    activity: string;
    theme: string;
    compound: string;
    time: string;
    venue: string;
    capacity: string;
    budget: string;
    volunteersNeeded: string;
    description: string;
    venueNeed: string;
    candidateMerchants: string;
    pointsRules: string;
    plan: string;
    round: string;
    stage: string;
    dueAt: string;
    comment: string;
  };
  venueNeed: { community: (name: string, hours: number) => string; merchant: (hours: number) => string };
  pointsRules: (attendance: number, perHour: number, familyLearning: number) => string;
  people: (n: number) => string;
  money: (yuan: number) => string;
  stages: Record<Stage, string>;
  steps: Record<StepName, { heading: string; ask: (venueName: string, hours: number) => string }>;
  actions: Record<ActionName, string>;
  outcomes: Record<string, string>;
  form: {
    noticeGetIsSafe: string;
    approvalComment: string;
    venueNote: string;
    feedbackComment: string;
    ratings: { organisation: string; participation: string; effect: string };
    ratingHint: string;
  };
  state: { heading: string; open: string; waitingFor: (who: string) => string };
  recorded: (outcome: string, by: string, at: string) => string;
  pages: {
    success: { title: string; body: string };
    already: { title: string; body: string };
    closed: { title: string; body: (stage: string) => string };
    invalid: { title: string; body: string };
    expired: { title: string; body: string; button: string };
    refreshSent: { title: string; body: string };
    notFound: { title: string; body: string };
    forbidden: { title: string; body: string };
    notAllowed: { title: string; body: string };
    /** A grid worker since moved to another compound opens a link of the former one. */
    notYours: { title: string; body: string };
    badForm: { title: string };
    rateLimited: { title: string; body: string };
    tooLarge: { title: string; body: string };
    error: { title: string; body: string };
    unavailable: { title: string; body: string };
  };
  validation: {
    commentRequired: string;
    ratingsRequired: string;
    unknownAction: string;
    tooLong: string;
  };
  when: (iso: string) => string;
  range: (startIso: string, endIso: string) => string;
}

const hourMinute = (p: DateParts): string => `${p.hour}:${p.minute}`;

function timeFormatters(dateTime: (p: DateParts) => string) {
  return {
    when: (iso: string): string => formatInstant(iso, dateTime),
    range: (startIso: string, endIso: string): string => formatRange(startIso, endIso, dateTime, hourMinute) ?? `${startIso} – ${endIso}`,
  };
}

const zhNumber = new Intl.NumberFormat('zh-CN');
const enNumber = new Intl.NumberFormat('en-GB');
const money = (locale: string) =>
  new Intl.NumberFormat(locale, { style: 'currency', currency: 'CNY', minimumFractionDigits: 0, maximumFractionDigits: 2 });
const zhMoney = money('zh-CN');
const enMoney = money('en-GB');

const zhCN: PageStrings = {
  lang: 'zh-CN',
  siteName: '锦华社区三长共治专班',
  otherLanguage: { label: 'English', lang: 'en' },
  labels: {
    activity: '活动',
    theme: '主题',
    compound: '小区',
    time: '时间（北京时间）',
    venue: '场地',
    capacity: '人数上限',
    budget: '预算',
    volunteersNeeded: '所需志愿者',
    description: '活动简介',
    venueNeed: '场地需求',
    candidateMerchants: '候选商户',
    pointsRules: '积分规则',
    plan: '活动方案',
    round: '审批轮次',
    stage: '当前阶段',
    dueAt: '截止时间',
    comment: '意见',
  },
  venueNeed: {
    community: (name, hours) => `社区场地：${name}，${hours} 小时`,
    merchant: (hours) => `商户场地，${hours} 小时`,
  },
  pointsRules: (a, h, f) => `签到 ${a} 分；志愿服务每小时 ${h} 分${f > 0 ? `；家庭学习 ${f} 分` : ''}`,
  people: (n) => `${zhNumber.format(n)} 人`,
  money: (yuan) => zhMoney.format(yuan),
  stages: termsFor(STAGE_TERMS, 'zh-CN'),
  steps: {
    approval: { heading: '活动方案审批', ask: () => '请审阅以下活动方案，并作出决定：通过、不通过，或退回修改。' },
    venueRequest: {
      heading: label(STAGE_TERMS, 'venueRequest', 'zh-CN'),
      ask: (venue, hours) => `社区三长共治专班想借用贵方的${venue}约 ${hours} 小时，请告诉我们是否方便。`,
    },
    supervisionFeedback: { heading: '督导反馈', ask: () => '请从组织、参与、成效三个方面为本次活动评分（1–5 分），并留下您的意见。' },
  },
  actions: {
    approve: '通过',
    reject: '不通过',
    requestChanges: '退回修改',
    accept: '同意借用',
    decline: '暂不方便',
    submit: '提交反馈',
  },
  outcomes: termsFor(DECISION_OUTCOME_TERMS, 'zh-CN'),
  form: {
    noticeGetIsSafe: '仅打开本页面不会做出任何决定；点击下方按钮提交后才会生效。',
    approvalComment: '审批意见（选择“不通过”或“退回修改”时必填）',
    venueNote: '备注（可选）',
    feedbackComment: '意见和建议（可选）',
    ratings: { organisation: '组织', participation: '参与', effect: '成效' },
    ratingHint: '1 分最低，5 分最高',
  },
  state: {
    heading: '当前状态',
    open: '等待您的答复',
    waitingFor: (who) => `等待：${who}`,
  },
  recorded: (outcome, by, at) => `已记录：${outcome}，由 ${by} 于 ${at} 提交。`,
  pages: {
    success: { title: '提交成功', body: '感谢您！您的答复已记录。' },
    already: { title: '此步骤已有答复', body: '这个步骤此前已经有了答复，本次提交没有做任何更改。' },
    closed: {
      title: '此步骤已结束',
      body: (stage) => `这个链接对应的步骤已经结束（例如已进入新一轮审批或下一阶段），不能再提交。活动当前阶段：${stage}。如有疑问，请联系项目协调人。`,
    },
    invalid: { title: '链接无效', body: '这个链接不完整或已被修改。请直接点击邮件中的按钮，或完整复制邮件中的链接。' },
    expired: {
      title: '链接已过期',
      body: '这个链接已经过期。如果这个步骤仍在进行中，您可以让系统把新链接发送到您登记的邮箱。',
      button: '给我发送新链接',
    },
    refreshSent: { title: '请求已收到', body: '如果这个步骤仍在进行中，新链接已发送到您登记的邮箱，请查收。' },
    notFound: { title: '未找到活动', body: '找不到这个链接对应的活动。' },
    forbidden: { title: '无法提交', body: '页面已过期或请求来源不正确。请重新打开邮件中的链接，再在页面上提交。' },
    notAllowed: { title: '无法提交', body: '按照流程规则，这个操作现在不能进行。' },
    notYours: { title: '链接已不属于您', body: '您已调到其他小区，这个链接属于您原来负责的小区，不能再用它作决定。' },
    badForm: { title: '请检查填写内容' },
    rateLimited: { title: '请求过于频繁', body: '请稍等一分钟后再试。' },
    tooLarge: { title: '提交内容过长', body: '请缩短意见后再提交。' },
    error: { title: '出错了', body: '系统暂时无法处理您的请求，请稍后再试。' },
    unavailable: { title: '服务暂不可用', body: '系统暂时无法连接，请稍后再试。' },
  },
  validation: {
    commentRequired: '选择“不通过”或“退回修改”时，请写明理由。',
    ratingsRequired: '请为每一项选择 1–5 分。',
    unknownAction: '请点击页面上的一个按钮提交。',
    tooLong: '意见不能超过 2000 字。',
  },
  ...timeFormatters((p) => `${p.year}年${p.month}月${p.day}日 ${p.hour}:${p.minute}`),
};

const plural = (n: number, one: string, many: string): string => `${enNumber.format(n)} ${n === 1 ? one : many}`;

const en: PageStrings = {
  lang: 'en',
  siteName: 'Jinhua Community Three-Heads Co-governance Team',
  otherLanguage: { label: '中文', lang: 'zh-CN' },
  labels: {
    activity: 'Activity',
    theme: 'Theme',
    compound: 'Compound',
    time: 'When (Beijing time)',
    venue: 'Venue',
    capacity: 'Capacity',
    budget: 'Budget',
    volunteersNeeded: 'Volunteers needed',
    description: 'Description',
    venueNeed: 'Venue needed',
    candidateMerchants: 'Candidate merchants',
    pointsRules: 'Growth points',
    plan: 'The plan',
    round: 'Approval round',
    stage: 'Current stage',
    dueAt: 'Due',
    comment: 'Comment',
  },
  venueNeed: {
    community: (name, hours) => `Community venue: ${name}, ${plural(hours, 'hour', 'hours')}`,
    merchant: (hours) => `A merchant's venue, ${plural(hours, 'hour', 'hours')}`,
  },
  pointsRules: (a, h, f) => `${a} for attending; ${h} per volunteer hour${f > 0 ? `; ${f} for family learning` : ''}`,
  people: (n) => plural(n, 'person', 'people'),
  money: (yuan) => enMoney.format(yuan),
  stages: termsFor(STAGE_TERMS, 'en'),
  steps: {
    approval: { heading: 'Activity plan approval', ask: () => 'Please review this activity plan and decide: approve, reject, or send it back for changes.' },
    venueRequest: {
      heading: label(STAGE_TERMS, 'venueRequest', 'en'),
      ask: (venue, hours) => `The co-governance team would like to borrow your ${venue} for about ${plural(hours, 'hour', 'hours')}. Does it suit you?`,
    },
    supervisionFeedback: {
      heading: 'Supervision feedback',
      ask: () => 'Please rate the activity’s organisation, participation and effect (1–5) and add your comments.',
    },
  },
  actions: {
    approve: 'Approve',
    reject: 'Reject',
    requestChanges: 'Request changes',
    accept: 'Accept',
    decline: 'Decline',
    submit: 'Submit feedback',
  },
  outcomes: termsFor(DECISION_OUTCOME_TERMS, 'en'),
  form: {
    noticeGetIsSafe: 'Opening this page decides nothing; only pressing a button below does.',
    approvalComment: 'Comments (required to reject or request changes)',
    venueNote: 'Note (optional)',
    feedbackComment: 'Comments and suggestions (optional)',
    ratings: { organisation: 'Organisation', participation: 'Participation', effect: 'Effect' },
    ratingHint: '1 is lowest, 5 is highest',
  },
  state: {
    heading: 'Current state',
    open: 'Waiting for your answer',
    waitingFor: (who) => `Waiting for: ${who}`,
  },
  recorded: (outcome, by, at) => `Already recorded: ${outcome} by ${by} at ${at}.`,
  pages: {
    success: { title: 'Thank you', body: 'Your answer has been recorded.' },
    already: { title: 'Already answered', body: 'This step already has an answer; nothing was changed.' },
    closed: {
      title: 'This step is closed',
      body: (stage) => `The step this link belongs to has closed (for example, a new approval round or the next stage has begun), so it can no longer be answered. The activity is now at: ${stage}. Please contact the coordinator with any questions.`,
    },
    invalid: { title: 'Invalid link', body: 'This link is incomplete or has been changed. Please use the button in the email, or copy the whole link.' },
    expired: {
      title: 'This link has expired',
      body: 'This link has expired. If the step is still open, we can send a fresh link to the email address we have on file for you.',
      button: 'Send me a fresh link',
    },
    refreshSent: { title: 'Request received', body: 'If this step is still open, a fresh link has been sent to the email address on file. Please check your inbox.' },
    notFound: { title: 'Activity not found', body: 'We could not find the activity this link belongs to.' },
    forbidden: { title: 'Could not submit', body: 'The page has expired or the request did not come from this site. Please open the link from the email again and submit on that page.' },
    notAllowed: { title: 'Could not submit', body: 'The rules of the process do not allow this now.' },
    notYours: { title: 'This link is no longer yours', body: 'You now serve another compound; this link belongs to the compound you served before and can no longer be used to decide.' },
    badForm: { title: 'Please check your answer' },
    rateLimited: { title: 'Too many requests', body: 'Please wait a minute and try again.' },
    tooLarge: { title: 'Too long', body: 'Please shorten your comments and try again.' },
    error: { title: 'Something went wrong', body: 'We could not handle your request just now. Please try again later.' },
    unavailable: { title: 'Temporarily unavailable', body: 'The service cannot be reached just now. Please try again later.' },
  },
  validation: {
    commentRequired: 'Please give a reason to reject or to request changes.',
    ratingsRequired: 'Please choose 1–5 for each rating.',
    unknownAction: 'Please press one of the buttons on the page.',
    tooLong: 'Comments may be at most 2000 characters.',
  },
  ...timeFormatters((p) => `${p.day} ${p.monthName} ${p.year}, ${p.hour}:${p.minute}`),
};

export const PAGE_STRINGS: Record<Locale, PageStrings> = { 'zh-CN': zhCN, en };

export function stringsFor(locale: Locale): PageStrings {
  return PAGE_STRINGS[locale] ?? zhCN;
}

/** The tags Express's negotiation (`req.acceptsLanguages`) may pick, and the locale each means. */
const ACCEPTED_TAGS: Record<string, Locale> = { 'zh-CN': 'zh-CN', zh: 'zh-CN', en: 'en' };

/**
 * `?lang=en|zh-CN` wins; otherwise the best supported language of Accept-Language (Express's
 * negotiation: by quality, `zh-TW` and `en-GB` match by their prefix); otherwise the default.
 */
export function pickLocale(req: Pick<Request, 'query' | 'headers' | 'acceptsLanguages'>, fallback: Locale): Locale {
  const langParam = req.query.lang;
  if (typeof langParam === 'string') {
    const l = langParam.toLowerCase();
    if (l === 'en' || l.startsWith('en-')) return 'en';
    if (l === 'zh' || l.startsWith('zh-') || l === 'zh-cn') return 'zh-CN';
  }
  // No header, or `*` alone (what fetch clients send), accepts every tag: that is no preference.
  const header = req.headers['accept-language']?.trim();
  if (!header || header === '*') return fallback;
  const best = req.acceptsLanguages(...Object.keys(ACCEPTED_TAGS));
  return (best && ACCEPTED_TAGS[best]) || fallback;
}
