/**
 * Every email the product sends, in Simplified Chinese (default) and English.
 *
 * Each purpose builds a `Content` (plain strings only) from the locale's table below; one renderer
 * turns a Content into the plain-text part and a small inline-styled HTML part. Every value is
 * HTML-escaped by the renderer, so no builder writes markup. Times are shown in Asia/Shanghai.
 *
 * Action emails (venue request, approval, supervision feedback) say that the button opens a page
 * where the person confirms, that nothing happens on the click alone, and when the link expires.
 */
import type { Locale } from '../domain/schemas';
import { EMAIL_PURPOSE_TERMS, label } from '../domain/vocabulary';
import { ACCENT, FONT, escapeHtml, formatInstant, formatRange, oneLine, safeHref, type DateParts } from './format';
import type { EmailMessage, EmailPurpose, RenderEmail, RenderedEmail } from './messages';
import type { ActivitySummaryForEmail } from '../domain/activity';

export { escapeHtml };

/** What one email says, before it becomes text and HTML. */
interface Content {
  subject: string;
  heading: string;
  paragraphs: string[];
  details: [label: string, value: string][];
  /** A multi-line value shown as a quote: a plan's description, a comment, a reason. */
  quote?: { label: string; body: string };
  action?: { label: string; url: string; notes: string[] };
  closing: string[];
}

type MessageOf<P extends EmailPurpose> = Extract<EmailMessage, { purpose: P }>;
type Builders = { [P in EmailPurpose]: (m: MessageOf<P>, k: Kit) => Content };

/** Formatting helpers bound to a locale, handed to each builder. */
interface Kit {
  /** A date and time, e.g. 2026年5月1日 09:00 / 1 May 2026, 09:00. */
  when(iso: string): string;
  /** A start-end range, the date written once when both fall on the same day. */
  range(startIso: string, endIso: string): string;
  lead(ms: number): string;
  num(n: number): string;
  money(yuan: number): string;
  /** The activity's title in the locale's quotation marks. */
  q(title: string): string;
  activity(a: ActivitySummaryForEmail): [string, string][];
  /** The notes under an action button: what the page does, expiry, do not forward. */
  actionNotes(choices: string, expiresIso: string | undefined, untilRoundCloses?: boolean): string[];
}

interface LocaleStrings {
  lang: string;
  intl: string;
  colon: string;
  greeting(name: string): string;
  quote(title: string): string;
  dateTime(p: DateParts): string;
  time(p: DateParts): string;
  lead(n: number, unit: 'day' | 'hour' | 'minute'): string;
  labels: { activity: string; theme: string; compound: string; time: string; venue: string };
  confirm(choices: string): string;
  expires(when: string): string;
  expiresWithRound: string;
  personal: string;
  rawLink: string;
  signature: string;
  footer: string;
  purposes: Builders;
}

function leadParts(ms: number): [number, 'day' | 'hour' | 'minute'] {
  const minute = 60_000;
  const hour = 60 * minute;
  const day = 24 * hour;
  if (ms >= day && ms % day === 0) return [ms / day, 'day'];
  if (ms >= hour && ms % hour === 0) return [ms / hour, 'hour'];
  if (ms >= day) return [Math.round(ms / day), 'day'];
  if (ms >= hour) return [Math.round(ms / hour), 'hour'];
  return [Math.max(1, Math.round(ms / minute)), 'minute'];
}

function kitFor(s: LocaleStrings): Kit {
  const numberFormat = new Intl.NumberFormat(s.intl);
  const moneyFormat = new Intl.NumberFormat(s.intl, {
    style: 'currency',
    currency: 'CNY',
    minimumFractionDigits: 0,
    maximumFractionDigits: 2,
  });
  const when = (iso: string): string => formatInstant(iso, s.dateTime);
  const kit: Kit = {
    when,
    range(startIso, endIso) {
      return formatRange(startIso, endIso, s.dateTime, s.time) ?? `${when(startIso)} – ${when(endIso)}`;
    },
    lead(ms) {
      const [n, unit] = leadParts(ms);
      return s.lead(n, unit);
    },
    num: (n) => numberFormat.format(n),
    money: (yuan) => moneyFormat.format(yuan),
    q: (title) => s.quote(title),
    activity(a) {
      const rows: [string, string][] = [
        [s.labels.activity, a.title],
        [s.labels.theme, a.theme],
        [s.labels.compound, a.compound],
        [s.labels.time, kit.range(a.startsAt, a.endsAt)],
      ];
      if (a.venueName) rows.push([s.labels.venue, a.venueName]);
      return rows;
    },
    actionNotes(choices, expiresIso, untilRoundCloses = false) {
      const expiry = expiresIso !== undefined ? s.expires(when(expiresIso)) : untilRoundCloses ? s.expiresWithRound : undefined;
      return [s.confirm(choices), ...(expiry ? [expiry] : []), s.personal];
    },
  };
  return kit;
}

// ---------------------------------------------------------------------------------------------
// Simplified Chinese
// ---------------------------------------------------------------------------------------------

const zhDecision = { approve: '通过', reject: '不通过', requestChanges: '退回修改' } as const;

const zhCN: LocaleStrings = {
  lang: 'zh-CN',
  intl: 'zh-CN',
  colon: '：',
  greeting: (name) => `${name}，您好：`,
  quote: (title) => `「${title}」`,
  dateTime: (p) => `${p.year}年${p.month}月${p.day}日 ${p.hour}:${p.minute}`,
  time: (p) => `${p.hour}:${p.minute}`,
  lead: (n, unit) => `${n}${{ day: '天', hour: '小时', minute: '分钟' }[unit]}`,
  labels: { activity: '活动', theme: '主题', compound: '小区', time: '时间', venue: '地点' },
  confirm: (choices) =>
    `点击按钮会打开一个确认页面，您在页面上${choices}并点击提交后才会生效；仅打开链接不会做出任何决定。`,
  expires: (when) => `此链接将于 ${when}（北京时间）失效。`,
  expiresWithRound: '此链接在本轮审批结束后失效。',
  personal: '此链接仅供您本人使用，请勿转发。',
  rawLink: '按钮打不开？请复制以下链接，在浏览器中打开：',
  signature: '锦华社区三长共治专班',
  footer: '本邮件由“锦华合鸣·全龄织锦”项目系统自动发送。如有疑问，请与锦华社区联系。',
  purposes: {
    venueRequest: (m, k) => ({
      subject: `${label(EMAIL_PURPOSE_TERMS, 'venueRequest', 'zh-CN')}：${m.merchantVenueName}（${m.activity.title}）`,
      heading: label(EMAIL_PURPOSE_TERMS, 'venueRequest', 'zh-CN'),
      paragraphs: [
        `感谢您一直以来对锦华社区的支持！社区三长共治专班正在筹备主题活动${k.q(m.activity.title)}，想借用贵方的${m.merchantVenueName}约 ${k.num(m.hours)} 小时，为居民提供活动场地。`,
        `请在 ${k.when(m.answerBy)} 前告诉我们是否方便。如暂不方便，也请告知，我们会另行安排。`,
      ],
      details: [...k.activity(m.activity), ['借用场地', m.merchantVenueName], ['借用时长', `${k.num(m.hours)} 小时`]],
      action: {
        label: '查看并答复',
        url: m.actionUrl,
        notes: k.actionNotes('选择“同意借用”或“暂不方便”', m.linkExpiresAt ?? m.answerBy),
      },
      closing: ['您的每一次支持，都让社区活动更有温度。'],
    }),
    venueUnavailable: (m, k) => ({
      subject: `商户场地暂未落实：${m.activity.title}`,
      heading: '商户场地暂未落实',
      paragraphs: [
        `主题活动${k.q(m.activity.title)}需要借用商户场地。我们已依次询问了以下商户，均未同意借用或未在期限内答复：${m.merchantsAsked.join('、') || '（无）'}。`,
        '请协调其他场地，或与物业管家商量调整活动方案。',
      ],
      details: k.activity(m.activity),
      action: { label: '打开工作台', url: m.dashboardUrl, notes: [] },
      closing: [],
    }),
    approvalRequest: (m, k) => ({
      subject: `审批请求：${m.activity.title}${m.round > 1 ? `（第${m.round}轮）` : ''}`,
      heading: '活动方案审批请求',
      paragraphs: [
        m.round > 1
          ? `物业管家已按意见修改了主题活动${k.q(m.activity.title)}的方案（第${m.round}轮），请您再次审阅。`
          : `物业管家提交了主题活动${k.q(m.activity.title)}的方案，请您审阅。`,
        `请在 ${k.when(m.decideBy)} 前作出决定：通过、不通过，或退回修改。`,
      ],
      details: [...k.activity(m.activity), ['人数上限', `${k.num(m.capacity)} 人`], ['预算', k.money(m.budget)]],
      ...(m.description.trim() ? { quote: { label: '活动简介', body: m.description } } : {}),
      action: {
        label: '查看方案并审批',
        url: m.actionUrl,
        notes: k.actionNotes('选择通过、不通过或退回修改（不通过或退回修改时请写明理由）', m.linkExpiresAt ?? m.decideBy),
      },
      closing: ['感谢您为社区把关！'],
    }),
    approvalReminder: (m, k) => ({
      subject: `审批提醒：${m.activity.title}待您审批`,
      heading: '审批提醒',
      paragraphs: [
        `主题活动${k.q(m.activity.title)}的方案（第${m.round}轮）还在等待您审批，截止时间为 ${k.when(m.decideBy)}。`,
        '如已处理，请忽略本提醒。',
      ],
      details: k.activity(m.activity),
      action: {
        label: '查看方案并审批',
        url: m.actionUrl,
        notes: k.actionNotes('选择通过、不通过或退回修改', m.linkExpiresAt ?? m.decideBy),
      },
      closing: ['感谢您的支持！'],
    }),
    approvalEscalation: (m, k) => ({
      subject: `审批超时：${m.activity.title}`,
      heading: '审批超时，请跟进',
      paragraphs: [
        `主题活动${k.q(m.activity.title)}的方案（第${m.round}轮）自 ${k.when(m.waitingSince)} 起等待网格员${m.gridWorkerName}审批，至今仍未处理。`,
        '请您与网格员联系跟进，必要时可通过下方链接查看方案。',
      ],
      details: [...k.activity(m.activity), ['网格员', m.gridWorkerName]],
      action: {
        label: '查看审批',
        url: m.actionUrl,
        notes: k.actionNotes('作出选择', m.linkExpiresAt, true),
      },
      closing: [],
    }),
    planDecided: (m, k) => ({
      subject: `${{ approve: '方案已通过', reject: '方案未通过', requestChanges: '方案需修改' }[m.decision]}：${m.activity.title}`,
      heading: { approve: '活动方案已通过', reject: '活动方案未通过', requestChanges: '活动方案需要修改' }[m.decision],
      paragraphs: [
        `网格员${m.decidedBy}对主题活动${k.q(m.activity.title)}的方案（第${m.round}轮）作出了审批：${zhDecision[m.decision]}。`,
        {
          approve: '接下来将开放报名，并按计划向居民、志愿者和商户发送活动提醒。',
          reject: '如有疑问，可与网格员或项目协调人沟通。',
          requestChanges: '请根据审批意见修改方案后重新提交。',
        }[m.decision],
      ],
      details: k.activity(m.activity),
      ...(m.comment.trim() ? { quote: { label: '审批意见', body: m.comment } } : {}),
      closing: [],
    }),
    registrationOpen: (m, k) => ({
      subject: `活动报名开始：${m.activity.title}`,
      heading: '活动开始报名啦',
      paragraphs: [
        `${m.activity.compound}的主题活动${k.q(m.activity.title)}现已开放报名，欢迎全家一起参加！`,
        '参加活动可获得成长积分，积分可兑换社区教育资源或商户优惠券。名额有限，先到先得。',
      ],
      details: k.activity(m.activity),
      action: { label: '立即报名', url: m.registerUrl, notes: ['点击按钮会打开报名页面，在页面上填写并提交后才算报名成功。'] },
      closing: ['期待与您相见！'],
    }),
    reminder: (m, k) => ({
      subject: `活动提醒：${m.activity.title}（${k.lead(m.leadTimeMs)}后开始）`,
      heading: '活动提醒',
      paragraphs: [
        `主题活动${k.q(m.activity.title)}将于 ${k.when(m.activity.startsAt)} 开始，距离开始还有约${k.lead(m.leadTimeMs)}。`,
        '请合理安排时间，到场后记得签到。',
      ],
      details: k.activity(m.activity),
      closing: ['期待与您相见！'],
    }),
    changeNotice: (m, k) => ({
      subject: `活动时间变更：${m.activity.title}`,
      heading: '活动时间变更',
      paragraphs: [`主题活动${k.q(m.activity.title)}的时间有调整，请留意新的时间。`],
      details: [
        ['新时间', k.range(m.activity.startsAt, m.activity.endsAt)],
        ['原时间', k.range(m.previousStartsAt, m.previousEndsAt)],
        ...k.activity(m.activity).filter(([label]) => label !== zhCN.labels.time),
      ],
      ...(m.reason.trim() ? { quote: { label: '变更原因', body: m.reason } } : {}),
      closing: ['给您带来不便，敬请谅解。期待与您相见！'],
    }),
    cancellation: (m, k) => ({
      subject: `活动取消通知：${m.activity.title}`,
      heading: '活动取消通知',
      paragraphs: [`很遗憾地通知您，原定于 ${k.when(m.activity.startsAt)} 举行的主题活动${k.q(m.activity.title)}已取消。`],
      details: k.activity(m.activity),
      ...(m.reason.trim() ? { quote: { label: '取消原因', body: m.reason } } : {}),
      closing: ['给您带来不便，敬请谅解。期待在下一次社区活动中与您相见！'],
    }),
    pointsAwarded: (m, k) => ({
      subject: `成长积分到账：+${k.num(m.earned)}`,
      heading: '成长积分到账',
      paragraphs: [
        `感谢您参加主题活动${k.q(m.activity.title)}！本次获得 ${k.num(m.earned)} 成长积分，当前积分余额为 ${k.num(m.balance)}。`,
        '成长积分可兑换社区教育资源或商户优惠券。',
      ],
      details: [
        ['本次获得', `+${k.num(m.earned)}`],
        ['当前余额', k.num(m.balance)],
        [zhCN.labels.activity, m.activity.title],
      ],
      closing: ['欢迎继续参加社区活动，和邻居们一起成长！'],
    }),
    feedbackRequest: (m, k) => ({
      subject: `督导反馈：${m.activity.title}`,
      heading: '请您给予督导反馈',
      paragraphs: [
        `主题活动${k.q(m.activity.title)}已经结束，诚邀您从组织、参与、成效三个方面评分并留下意见，帮助专班把下一次活动办得更好。`,
        `请在 ${k.when(m.feedbackBy)} 前提交。`,
      ],
      details: k.activity(m.activity),
      action: {
        label: '填写督导反馈',
        url: m.actionUrl,
        notes: k.actionNotes('填写评分和意见', m.linkExpiresAt ?? m.feedbackBy),
      },
      closing: ['感谢您的专业指导！'],
    }),
    feedbackReminder: (m, k) => ({
      subject: `督导反馈提醒：${m.activity.title}`,
      heading: '督导反馈提醒',
      paragraphs: [
        `主题活动${k.q(m.activity.title)}的督导反馈将于 ${k.when(m.feedbackBy)} 截止，期待您的评分和意见。`,
        '如已提交，请忽略本提醒。',
      ],
      details: k.activity(m.activity),
      action: {
        label: '填写督导反馈',
        url: m.actionUrl,
        notes: k.actionNotes('填写评分和意见', m.linkExpiresAt ?? m.feedbackBy),
      },
      closing: ['感谢您的专业指导！'],
    }),
    waitlistPromoted: (m, k) => ({
      subject: `候补成功：${m.activity.title}`,
      heading: '好消息：您已获得活动名额',
      paragraphs: [
        `有名额空出来了！您已从候补名单转为主题活动${k.q(m.activity.title)}的正式报名。`,
        '如不能参加，请尽早告知社区，把名额留给其他家庭。',
      ],
      details: k.activity(m.activity),
      closing: ['期待与您相见！'],
    }),
  },
};

// ---------------------------------------------------------------------------------------------
// English
// ---------------------------------------------------------------------------------------------

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

const en: LocaleStrings = {
  lang: 'en',
  intl: 'en-GB',
  colon: ': ',
  greeting: (name) => `Dear ${name},`,
  quote: (title) => `“${title}”`,
  dateTime: (p) => `${p.day} ${p.monthName} ${p.year}, ${p.hour}:${p.minute}`,
  time: (p) => `${p.hour}:${p.minute}`,
  lead: (n, unit) => plural(n, unit, `${unit}s`),
  labels: { activity: 'Activity', theme: 'Theme', compound: 'Compound', time: 'When (Beijing time)', venue: 'Venue' },
  confirm: (choices) =>
    `The button opens a page where you ${choices} and confirm. Nothing is decided by opening the link alone.`,
  expires: (when) => `This link expires on ${when} (Beijing time).`,
  expiresWithRound: 'This link stops working when this approval round closes.',
  personal: 'This link is for you only; please do not forward it.',
  rawLink: 'Button not working? Copy this link into your browser:',
  signature: 'Jinhua Community Three-Heads Co-governance Team (三长共治专班)',
  footer: 'Sent automatically for the “Jinhua Harmony: Weaving All Ages” project. Questions? Please contact the Jinhua community office.',
  purposes: {
    venueRequest: (m, k) => ({
      subject: `${label(EMAIL_PURPOSE_TERMS, 'venueRequest', 'en')}: ${m.merchantVenueName} for ${m.activity.title}`,
      heading: 'Could we borrow your venue?',
      paragraphs: [
        `Thank you for supporting the Jinhua community! The co-governance team is preparing the themed activity ${k.q(m.activity.title)} and would like to borrow your ${m.merchantVenueName} for about ${plural(m.hours, 'hour', 'hours')}.`,
        `Please let us know by ${k.when(m.answerBy)} (Beijing time). If it does not suit you this time, a quick “no” helps us arrange another venue.`,
      ],
      details: [...k.activity(m.activity), ['Venue requested', m.merchantVenueName], ['Hours', plural(m.hours, 'hour', 'hours')]],
      action: {
        label: 'View and answer',
        url: m.actionUrl,
        notes: k.actionNotes('choose “Accept” or “Decline”', m.linkExpiresAt ?? m.answerBy),
      },
      closing: ['Your support makes community life warmer.'],
    }),
    venueUnavailable: (m, k) => ({
      subject: `No merchant venue yet: ${m.activity.title}`,
      heading: 'No merchant venue yet',
      paragraphs: [
        `The themed activity ${k.q(m.activity.title)} needs a merchant venue. We asked these merchants in turn; none accepted or answered in time: ${m.merchantsAsked.join(', ') || '(none)'}.`,
        'Please arrange another venue, or agree a change of plan with the property manager.',
      ],
      details: k.activity(m.activity),
      action: { label: 'Open the dashboard', url: m.dashboardUrl, notes: [] },
      closing: [],
    }),
    approvalRequest: (m, k) => ({
      subject: `Approval request: ${m.activity.title}${m.round > 1 ? ` (round ${m.round})` : ''}`,
      heading: 'Activity plan: your approval is requested',
      paragraphs: [
        m.round > 1
          ? `The property manager has revised the plan for the themed activity ${k.q(m.activity.title)} (round ${m.round}). Please review it again.`
          : `The property manager has submitted a plan for the themed activity ${k.q(m.activity.title)}. Please review it.`,
        `Please decide by ${k.when(m.decideBy)} (Beijing time): approve, reject, or send it back for changes.`,
      ],
      details: [...k.activity(m.activity), ['Capacity', plural(m.capacity, 'person', 'people')], ['Budget', k.money(m.budget)]],
      ...(m.description.trim() ? { quote: { label: 'Description', body: m.description } } : {}),
      action: {
        label: 'Review and decide',
        url: m.actionUrl,
        notes: k.actionNotes('approve, reject or request changes (with a reason for the last two)', m.linkExpiresAt ?? m.decideBy),
      },
      closing: ['Thank you for looking after the community!'],
    }),
    approvalReminder: (m, k) => ({
      subject: `Reminder: ${m.activity.title} is waiting for your approval`,
      heading: 'Approval reminder',
      paragraphs: [
        `The plan for the themed activity ${k.q(m.activity.title)} (round ${m.round}) is still waiting for your decision. The deadline is ${k.when(m.decideBy)} (Beijing time).`,
        'If you have already decided, please ignore this reminder.',
      ],
      details: k.activity(m.activity),
      action: {
        label: 'Review and decide',
        url: m.actionUrl,
        notes: k.actionNotes('approve, reject or request changes', m.linkExpiresAt ?? m.decideBy),
      },
      closing: ['Thank you for your support!'],
    }),
    approvalEscalation: (m, k) => ({
      subject: `Approval overdue: ${m.activity.title}`,
      heading: 'Approval overdue: please follow up',
      paragraphs: [
        `The plan for the themed activity ${k.q(m.activity.title)} (round ${m.round}) has been waiting for grid worker ${m.gridWorkerName} since ${k.when(m.waitingSince)} (Beijing time) and is still undecided.`,
        'Please follow up with the grid worker; the link below shows the plan.',
      ],
      details: [...k.activity(m.activity), ['Grid worker', m.gridWorkerName]],
      action: {
        label: 'View the approval',
        url: m.actionUrl,
        notes: k.actionNotes('make a choice', m.linkExpiresAt, true),
      },
      closing: [],
    }),
    planDecided: (m, k) => ({
      subject: `${{ approve: 'Plan approved', reject: 'Plan not approved', requestChanges: 'Changes requested' }[m.decision]}: ${m.activity.title}`,
      heading: { approve: 'Your plan is approved', reject: 'Your plan was not approved', requestChanges: 'Changes requested to your plan' }[m.decision],
      paragraphs: [
        `Grid worker ${m.decidedBy} has ${{ approve: 'approved', reject: 'not approved', requestChanges: 'asked for changes to' }[m.decision]} the plan for the themed activity ${k.q(m.activity.title)} (round ${m.round}).`,
        {
          approve: 'Registration opens next, and reminders will go to residents, volunteers and merchants as planned.',
          reject: 'If you have questions, please talk to the grid worker or the coordinator.',
          requestChanges: 'Please revise the plan following the comments and submit it again.',
        }[m.decision],
      ],
      details: k.activity(m.activity),
      ...(m.comment.trim() ? { quote: { label: 'Comments', body: m.comment } } : {}),
      closing: [],
    }),
    registrationOpen: (m, k) => ({
      subject: `Registration open: ${m.activity.title}`,
      heading: 'Registration is open',
      paragraphs: [
        `Registration for the themed activity ${k.q(m.activity.title)} in ${m.activity.compound} is now open. The whole family is welcome!`,
        'Taking part earns growth points, which you can redeem for community learning resources or merchant coupons. Places are limited.',
      ],
      details: k.activity(m.activity),
      action: { label: 'Register now', url: m.registerUrl, notes: ['The button opens the registration page; you are registered once you submit the form there.'] },
      closing: ['We look forward to seeing you!'],
    }),
    reminder: (m, k) => ({
      subject: `Activity reminder: ${m.activity.title} starts in ${k.lead(m.leadTimeMs)}`,
      heading: 'Activity reminder',
      paragraphs: [
        `The themed activity ${k.q(m.activity.title)} starts on ${k.when(m.activity.startsAt)} (Beijing time), in about ${k.lead(m.leadTimeMs)}.`,
        'Please remember to check in when you arrive.',
      ],
      details: k.activity(m.activity),
      closing: ['See you there!'],
    }),
    changeNotice: (m, k) => ({
      subject: `Time change: ${m.activity.title}`,
      heading: 'The activity time has changed',
      paragraphs: [`The time of the themed activity ${k.q(m.activity.title)} has changed. Please note the new time.`],
      details: [
        ['New time', k.range(m.activity.startsAt, m.activity.endsAt)],
        ['Previous time', k.range(m.previousStartsAt, m.previousEndsAt)],
        ...k.activity(m.activity).filter(([label]) => label !== en.labels.time),
      ],
      ...(m.reason.trim() ? { quote: { label: 'Reason', body: m.reason } } : {}),
      closing: ['Sorry for any inconvenience. We look forward to seeing you!'],
    }),
    cancellation: (m, k) => ({
      subject: `Cancelled: ${m.activity.title}`,
      heading: 'Activity cancelled',
      paragraphs: [`We are sorry to tell you that the themed activity ${k.q(m.activity.title)}, planned for ${k.when(m.activity.startsAt)} (Beijing time), has been cancelled.`],
      details: k.activity(m.activity),
      ...(m.reason.trim() ? { quote: { label: 'Reason', body: m.reason } } : {}),
      closing: ['Sorry for any inconvenience. We hope to see you at the next community activity!'],
    }),
    pointsAwarded: (m, k) => ({
      subject: `Growth points received: +${k.num(m.earned)}`,
      heading: 'Growth points received',
      paragraphs: [
        `Thank you for taking part in ${k.q(m.activity.title)}! You earned ${k.num(m.earned)} growth points; your balance is now ${k.num(m.balance)}.`,
        'Growth points can be redeemed for community learning resources or merchant coupons.',
      ],
      details: [
        ['Earned', `+${k.num(m.earned)}`],
        ['Balance', k.num(m.balance)],
        [en.labels.activity, m.activity.title],
      ],
      closing: ['Keep growing together with your neighbours!'],
    }),
    feedbackRequest: (m, k) => ({
      subject: `Supervision feedback: ${m.activity.title}`,
      heading: 'Your supervision feedback, please',
      paragraphs: [
        `The themed activity ${k.q(m.activity.title)} has ended. Please rate its organisation, participation and effect, and add your comments, to help the team do even better next time.`,
        `Please submit by ${k.when(m.feedbackBy)} (Beijing time).`,
      ],
      details: k.activity(m.activity),
      action: {
        label: 'Give feedback',
        url: m.actionUrl,
        notes: k.actionNotes('enter your ratings and comments', m.linkExpiresAt ?? m.feedbackBy),
      },
      closing: ['Thank you for your guidance!'],
    }),
    feedbackReminder: (m, k) => ({
      subject: `Reminder: supervision feedback for ${m.activity.title}`,
      heading: 'Supervision feedback reminder',
      paragraphs: [
        `Supervision feedback for ${k.q(m.activity.title)} closes on ${k.when(m.feedbackBy)} (Beijing time). We look forward to your ratings and comments.`,
        'If you have already submitted it, please ignore this reminder.',
      ],
      details: k.activity(m.activity),
      action: {
        label: 'Give feedback',
        url: m.actionUrl,
        notes: k.actionNotes('enter your ratings and comments', m.linkExpiresAt ?? m.feedbackBy),
      },
      closing: ['Thank you for your guidance!'],
    }),
    waitlistPromoted: (m, k) => ({
      subject: `You have a place: ${m.activity.title}`,
      heading: 'Good news: you have a place',
      paragraphs: [
        `A place has opened up! You have moved from the waiting list to a confirmed place at ${k.q(m.activity.title)}.`,
        'If you cannot come, please tell the community early so another family can take the place.',
      ],
      details: k.activity(m.activity),
      closing: ['We look forward to seeing you!'],
    }),
  },
};

const LOCALES: Record<Locale, LocaleStrings> = { 'zh-CN': zhCN, en };
const KITS: Record<Locale, Kit> = { 'zh-CN': kitFor(zhCN), en: kitFor(en) };

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/** Escaped, with line breaks kept. */
function htmlText(value: string): string {
  return escapeHtml(value).replace(/\r\n|\r|\n/g, '<br>');
}

function renderText(c: Content, s: LocaleStrings, name: string): string {
  const blocks: string[] = [s.greeting(name), ...c.paragraphs];
  if (c.details.length > 0) blocks.push(c.details.map(([l, v]) => `${l}${s.colon}${oneLine(v)}`).join('\n'));
  if (c.quote) blocks.push(`${c.quote.label}${s.colon.trimEnd()}\n${c.quote.body.replace(/\r\n|\r/g, '\n').split('\n').map((l) => `  ${l}`).join('\n')}`);
  if (c.action) blocks.push([`${c.action.label}${s.colon.trimEnd()}`, c.action.url, ...c.action.notes].join('\n'));
  blocks.push(...c.closing);
  blocks.push(`——\n${s.signature}\n${s.footer}`);
  return `${blocks.join('\n\n')}\n`;
}

function renderHtml(c: Content, s: LocaleStrings, name: string, subject: string): string {
  const p = (text: string, style = ''): string => `<p style="margin:0 0 14px;${style}">${htmlText(text)}</p>`;
  const parts: string[] = [];
  parts.push(`<h1 style="margin:0 0 16px;font-size:20px;line-height:1.4;color:${ACCENT};">${htmlText(c.heading)}</h1>`);
  parts.push(p(s.greeting(name)));
  for (const para of c.paragraphs) parts.push(p(para));
  if (c.details.length > 0) {
    const rows = c.details
      .map(
        ([l, v]) =>
          `<tr><td style="padding:6px 10px;color:#6b6b6b;white-space:nowrap;vertical-align:top;">${htmlText(l)}</td>` +
          `<td style="padding:6px 10px;color:#222;word-break:break-word;">${htmlText(v)}</td></tr>`,
      )
      .join('');
    parts.push(
      `<table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;border-collapse:collapse;margin:0 0 16px;background:#faf6ee;border-radius:8px;font-size:15px;">${rows}</table>`,
    );
  }
  if (c.quote) {
    parts.push(
      `<div style="margin:0 0 16px;padding:10px 14px;border-left:4px solid ${ACCENT};background:#fbf7f3;">` +
        `<div style="font-size:14px;color:#6b6b6b;margin-bottom:4px;">${htmlText(c.quote.label)}</div>` +
        `<div style="white-space:normal;">${htmlText(c.quote.body)}</div></div>`,
    );
  }
  if (c.action) {
    const href = safeHref(c.action.url);
    if (href !== undefined) {
      parts.push(
        `<p style="margin:24px 0;text-align:center;"><a href="${escapeHtml(href)}" style="display:inline-block;padding:14px 32px;background:${ACCENT};color:#ffffff;font-size:18px;font-weight:bold;text-decoration:none;border-radius:8px;">${htmlText(c.action.label)}</a></p>`,
      );
    }
    for (const note of c.action.notes) parts.push(p(note, 'font-size:14px;color:#555;'));
    const raw = href !== undefined
      ? `<a href="${escapeHtml(href)}" style="color:${ACCENT};">${escapeHtml(c.action.url)}</a>`
      : escapeHtml(c.action.url);
    parts.push(`<p style="margin:0 0 14px;font-size:13px;color:#6b6b6b;word-break:break-all;">${htmlText(s.rawLink)}<br>${raw}</p>`);
  }
  for (const para of c.closing) parts.push(p(para));
  return (
    `<!DOCTYPE html><html lang="${s.lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f3efe6;">` +
    `<div style="max-width:560px;margin:0 auto;padding:16px 12px;font-family:${FONT};font-size:16px;line-height:1.7;color:#222;">` +
    `<div style="background:#ffffff;border-radius:12px;padding:22px 18px;">${parts.join('')}</div>` +
    `<p style="margin:14px 8px 0;font-size:12px;line-height:1.6;color:#8a8a8a;text-align:center;">${htmlText(s.signature)}<br>${htmlText(s.footer)}</p>` +
    `</div></body></html>`
  );
}

/** Renders one email. An unknown locale falls back to Simplified Chinese. */
export const renderEmail: RenderEmail = (message: EmailMessage, locale: Locale = 'zh-CN'): RenderedEmail => {
  const strings = LOCALES[locale] ?? zhCN;
  const kit = KITS[locale] ?? KITS['zh-CN'];
  const build = strings.purposes[message.purpose] as (m: EmailMessage, k: Kit) => Content;
  if (typeof build !== 'function') throw new TypeError(`renderEmail: unknown purpose ${String(message.purpose)}`);
  const content = build(message, kit);
  const subject = oneLine(content.subject);
  return {
    subject,
    text: renderText(content, strings, message.recipientName),
    html: renderHtml(content, strings, message.recipientName, subject),
  };
};
