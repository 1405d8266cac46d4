/**
 * Strings of the staff pages (sign-in and dashboard), per locale: Simplified Chinese (default)
 * and English. Stage names, times and the site name come from the action pages' table
 * (api/links/i18n.ts), so the two sets of pages say the same things the same way.
 */
import type { Locale } from '../../domain/schemas';
import { stringsFor, type PageStrings } from '../links/i18n';
import {
  ACTIVITY_OUTCOME_TERMS,
  DECISION_KIND_TERMS,
  DECISION_OUTCOME_TERMS,
  EMAIL_PURPOSE_TERMS,
  MILESTONE_STATE_TERMS,
  PENDING_ACTION_TERMS,
  ROLE_TERMS,
  termsFor,
  type Party,
} from '../../domain/vocabulary';

type Role = Party;

export interface DashboardStrings {
  page: PageStrings;
  title: string;
  nav: { home: string; leaderboard: string; signOut: string; signedInAs: (name: string, role: string) => string };
  roles: Record<Role, string>;
  pendingActions: Record<string, string>;
  decisionKinds: Record<string, string>;
  outcomes: Record<string, string>;
  emailPurposes: Record<string, string>;
  home: {
    heading: string;
    waiting: string;
    waitingNone: string;
    cycle: (id: string) => string;
    activities: (n: number) => string;
    noActivities: string;
    report: string;
    scopeCompound: (compound: string) => string;
    columns: { activity: string; compound: string; startsAt: string; stage: string; progress: string; who: string; what: string; since: string; due: string };
    overdue: string;
    truncated: string;
  };
  activity: {
    cycle: string;
    executionStatus: string;
    temporal: string;
    openInTemporal: string;
    waiting: string;
    timeline: string;
    stageStarted: (stage: string) => string;
    until: string;
    ongoing: string;
    by: string;
    emailsTo: (purpose: string, n: number) => string;
    pendingEmail: string;
    attendance: string;
    window: string;
    tally: (participants: number, families: number, volunteers: number, hours: number) => string;
    noCheckIns: string;
    checkInColumns: { who: string; kind: string; members: string; method: string; at: string };
    personKinds: { family: string; volunteer: string };
    methods: Record<string, string>;
    points: string;
    pointsColumns: { holder: string; rule: string; amount: string; at: string };
    pointsRules: Record<string, string>;
    noPoints: string;
    pointsTotal: (n: number) => string;
    feedback: string;
    feedbackMissing: string;
    feedbackNotYet: string;
    ratings: string;
  };
  leaderboard: {
    heading: string;
    intro: string;
    all: string;
    columns: { rank: string; family: string; compound: string; balance: string; earned: string };
    empty: string;
  };
  report: {
    heading: (name: string) => string;
    final: string;
    provisional: (asOf: string) => string;
    period: string;
    compounds: string;
    keyFigures: string;
    figures: {
      held: string;
      participants: string;
      average: string;
      families: string;
      familiesEarned: string;
      pointsAwarded: string;
      sponsorship: string;
      venueHours: string;
      merchants: string;
      volunteerHours: string;
      feedback: string;
      milestones: string;
    };
    tables: Record<'summary' | 'activities' | 'families' | 'volunteers' | 'merchants' | 'sponsorships' | 'milestones', string>;
    values: Record<string, string>;
    csv: string;
    printHint: string;
    empty: string;
  };
  cycles: {
    period: string;
    compounds: string;
    milestones: string;
    milestonesDone: (done: number, all: number) => string;
    states: Record<'done' | 'late' | 'overdue' | 'pending', string>;
    closed: string;
  };
  signIn: {
    heading: string;
    intro: string;
    email: string;
    send: string;
    sentTitle: string;
    sentBody: string;
    again: string;
    linkTitle: string;
    linkBody: (name: string) => string;
    linkButton: string;
    usedTitle: string;
    usedBody: string;
    expiredTitle: string;
    expiredBody: string;
    invalidTitle: string;
    invalidBody: string;
    signedOut: string;
    unknownStaffTitle: string;
    unknownStaffBody: string;
  };
  errors: {
    forbiddenTitle: string;
    forbidden: { otherCompound: string; report: string; points: string; noCompound: string };
    notFoundTitle: string;
    notFoundBody: string;
    unauthorisedTitle: string;
    unauthorisedBody: string;
  };
  count: (n: number) => string;
}

const zhCN: DashboardStrings = {
  page: stringsFor('zh-CN'),
  title: '协调工作台',
  nav: { home: '总览', leaderboard: '家庭积分榜', signOut: '退出登录', signedInAs: (name, role) => `${name}（${role}）` },
  roles: termsFor(ROLE_TERMS, 'zh-CN'),
  pendingActions: termsFor(PENDING_ACTION_TERMS, 'zh-CN'),
  decisionKinds: termsFor(DECISION_KIND_TERMS, 'zh-CN'),
  outcomes: termsFor(DECISION_OUTCOME_TERMS, 'zh-CN'),
  emailPurposes: termsFor(EMAIL_PURPOSE_TERMS, 'zh-CN'),
  home: {
    heading: '孵化周期与活动',
    waiting: '等待处理',
    waitingNone: '目前没有等待处理的事项。',
    cycle: (id) => `孵化周期 ${id}`,
    activities: (n) => `${n} 个活动`,
    noActivities: '还没有活动。',
    report: '周期报告',
    scopeCompound: (c) => `仅显示您负责的小区：${c}`,
    columns: { activity: '活动', compound: '小区', startsAt: '开始时间', stage: '阶段', progress: '进度', who: '等待谁', what: '事项', since: '自', due: '截止' },
    overdue: '已逾期',
    truncated: '活动较多，只显示最近的一部分。',
  },
  activity: {
    cycle: '孵化周期',
    executionStatus: '工作流状态',
    temporal: 'Temporal',
    openInTemporal: '在 Temporal 界面中查看工作流',
    waiting: '当前等待',
    timeline: '时间线',
    stageStarted: (stage) => `进入阶段：${stage}`,
    until: '至',
    ongoing: '进行中',
    by: '由',
    emailsTo: (purpose, n) => `邮件：${purpose}（${n} 封）`,
    pendingEmail: '待发送',
    attendance: '签到',
    window: '签到时间',
    tally: (p, f, v, h) => `共 ${p} 人：${f} 户家庭，${v} 名志愿者（服务 ${h} 小时）`,
    noCheckIns: '还没有人签到。',
    checkInColumns: { who: '姓名', kind: '类别', members: '人数', method: '方式', at: '签到时间' },
    personKinds: { family: '家庭', volunteer: '志愿者' },
    methods: { qr: '扫码', link: '链接', staff: '工作人员代签' },
    points: '积分',
    pointsColumns: { holder: '获得者', rule: '规则', amount: '积分', at: '时间' },
    pointsRules: { attendance: '签到', familyLearning: '家庭学习', volunteerHours: '志愿服务时长' },
    noPoints: '还没有发放积分。',
    pointsTotal: (n) => `共发放 ${n} 分`,
    feedback: '督导反馈',
    feedbackMissing: '截止时仍未收到督导反馈。',
    feedbackNotYet: '尚未收到督导反馈。',
    ratings: '评分（组织 / 参与 / 成效）',
  },
  leaderboard: {
    heading: '家庭积分榜',
    intro: '按当前成长积分余额排序（已扣除兑换和过期的积分）。',
    all: '全部小区',
    columns: { rank: '名次', family: '家庭', compound: '小区', balance: '当前积分', earned: '累计获得' },
    empty: '还没有家庭获得积分。',
  },
  report: {
    heading: (name) => `孵化周期报告：${name}`,
    final: '最终报告：周期结束时保存，数字不再变化。',
    provisional: (asOf) => `临时数字，截至 ${asOf}；周期结束时将保存最终报告。`,
    period: '周期',
    compounds: '小区',
    keyFigures: '主要数字',
    figures: {
      held: '举办的活动',
      participants: '参与人次',
      average: '场均参与人数',
      families: '参与家庭',
      familiesEarned: '获得积分的家庭',
      pointsAwarded: '发放积分',
      sponsorship: '商户赞助',
      venueHours: '商户场地时长（小时）',
      merchants: '参与商户',
      volunteerHours: '志愿服务时长（小时）',
      feedback: '督导评分均值（组织/参与/成效）',
      milestones: '按时完成的孵化节点',
    },
    tables: {
      summary: '全部指标及依据',
      activities: '活动',
      families: '家庭',
      volunteers: '志愿者',
      merchants: '商户',
      sponsorships: '赞助',
      milestones: '孵化节点',
    },
    values: {
      ...termsFor(ACTIVITY_OUTCOME_TERMS, 'zh-CN'),
      unfinished: '未结束',
      onTime: '按时完成',
      late: '逾期完成',
      missed: '未完成',
      pending: '未到期',
      received: '已收到',
      missing: '缺失',
      notApplicable: '不适用',
      community: '社区场地',
      merchant: '商户场地',
      coordinator: '协调人指定',
      true: '是',
      false: '否',
    },
    csv: '下载 CSV',
    printHint: '可直接用浏览器打印本页（打印时不含导航）。',
    empty: '（无）',
  },
  cycles: {
    period: '周期',
    compounds: '小区',
    milestones: '孵化节点',
    milestonesDone: (done, all) => `${done}/${all} 已完成`,
    states: { ...termsFor(MILESTONE_STATE_TERMS, 'zh-CN'), late: '逾期完成' },
    closed: '已结束',
  },
  signIn: {
    heading: '工作人员登录',
    intro: '请输入您在系统中登记的邮箱。我们会发送一个登录链接，15 分钟内有效，只能使用一次。',
    email: '邮箱',
    send: '发送登录链接',
    sentTitle: '请查收邮件',
    sentBody: '如果这个邮箱已登记为工作人员，登录链接已经发出。链接 15 分钟内有效，只能使用一次。',
    again: '重新申请登录链接',
    linkTitle: '登录协调工作台',
    linkBody: (name) => `${name}，点击下方按钮即可登录。仅打开本页面不会登录。`,
    linkButton: '登录',
    usedTitle: '此登录链接已经使用过',
    usedBody: '每个登录链接只能使用一次。如需再次登录，请重新申请登录链接。',
    expiredTitle: '登录链接已过期',
    expiredBody: '登录链接 15 分钟内有效。请重新申请登录链接。',
    invalidTitle: '登录链接无效',
    invalidBody: '这个链接不完整或已被修改。请直接点击邮件中的按钮，或完整复制邮件中的链接。',
    signedOut: '您已退出登录。',
    unknownStaffTitle: '无法登录',
    unknownStaffBody: '这个链接对应的工作人员已不在名录中。请联系项目协调人。',
  },
  errors: {
    forbiddenTitle: '无权查看',
    forbidden: {
      otherCompound: '您只能查看自己负责小区的活动和家庭。',
      report: '周期报告仅限项目协调人查看。',
      points: '督导可以查看活动和反馈，但不能查看家庭积分。',
      noCompound: '名录中没有登记您负责的小区，请联系项目协调人。',
    },
    notFoundTitle: '未找到',
    notFoundBody: '找不到这个页面或活动。',
    unauthorisedTitle: '请先登录',
    unauthorisedBody: '登录已过期，请重新登录后再操作。',
  },
  count: (n) => String(n),
};

const en: DashboardStrings = {
  page: stringsFor('en'),
  title: 'Coordinator dashboard',
  nav: { home: 'Overview', leaderboard: 'Family points', signOut: 'Sign out', signedInAs: (name, role) => `${name} (${role})` },
  roles: termsFor(ROLE_TERMS, 'en'),
  pendingActions: termsFor(PENDING_ACTION_TERMS, 'en'),
  decisionKinds: termsFor(DECISION_KIND_TERMS, 'en'),
  outcomes: termsFor(DECISION_OUTCOME_TERMS, 'en'),
  emailPurposes: termsFor(EMAIL_PURPOSE_TERMS, 'en'),
  home: {
    heading: 'Incubation cycles and activities',
    waiting: 'Waiting on',
    waitingNone: 'Nothing is waiting on anyone.',
    cycle: (id) => `Incubation cycle ${id}`,
    activities: (n) => `${n} ${n === 1 ? 'activity' : 'activities'}`,
    noActivities: 'No activities yet.',
    report: 'Cycle report',
    scopeCompound: (c) => `Showing your compound only: ${c}`,
    columns: { activity: 'Activity', compound: 'Compound', startsAt: 'Starts', stage: 'Stage', progress: 'Progress', who: 'Waiting on', what: 'To do', since: 'Since', due: 'Due' },
    overdue: 'Overdue',
    truncated: 'There are many activities; only the latest are shown.',
  },
  activity: {
    cycle: 'Incubation cycle',
    executionStatus: 'Workflow status',
    temporal: 'Temporal',
    openInTemporal: 'Open the workflow in the Temporal web UI',
    waiting: 'Waiting on',
    timeline: 'Timeline',
    stageStarted: (stage) => `Stage: ${stage}`,
    until: 'until',
    ongoing: 'in progress',
    by: 'by',
    emailsTo: (purpose, n) => `Email: ${purpose} (${n})`,
    pendingEmail: 'not yet sent',
    attendance: 'Check-in',
    window: 'Check-in window',
    tally: (p, f, v, h) => `${p} people: ${f} ${f === 1 ? 'family' : 'families'}, ${v} ${v === 1 ? 'volunteer' : 'volunteers'} (${h} service hours)`,
    noCheckIns: 'Nobody has checked in yet.',
    checkInColumns: { who: 'Name', kind: 'Kind', members: 'People', method: 'How', at: 'Checked in' },
    personKinds: { family: 'family', volunteer: 'volunteer' },
    methods: { qr: 'QR code', link: 'link', staff: 'by staff' },
    points: 'Growth points',
    pointsColumns: { holder: 'To', rule: 'Rule', amount: 'Points', at: 'When' },
    pointsRules: { attendance: 'attendance', familyLearning: 'family learning', volunteerHours: 'volunteer hours' },
    noPoints: 'No points awarded yet.',
    pointsTotal: (n) => `${n} points awarded in all`,
    feedback: 'Supervision feedback',
    feedbackMissing: 'No supervision feedback arrived by the deadline.',
    feedbackNotYet: 'No supervision feedback yet.',
    ratings: 'Ratings (organisation / participation / effect)',
  },
  leaderboard: {
    heading: 'Family points leaderboard',
    intro: 'Ranked by current growth-points balance (after redemptions and expiry).',
    all: 'All compounds',
    columns: { rank: 'Rank', family: 'Family', compound: 'Compound', balance: 'Balance', earned: 'Earned in all' },
    empty: 'No family has earned points yet.',
  },
  report: {
    heading: (name) => `Incubation cycle report: ${name}`,
    final: 'Final report: saved when the cycle closed; these figures no longer change.',
    provisional: (asOf) => `Provisional figures as of ${asOf}; the final report is saved when the cycle closes.`,
    period: 'Period',
    compounds: 'Compounds',
    keyFigures: 'Key figures',
    figures: {
      held: 'Activities held',
      participants: 'Participants',
      average: 'Participants per activity',
      families: 'Families taking part',
      familiesEarned: 'Families that earned points',
      pointsAwarded: 'Points awarded',
      sponsorship: 'Sponsorship',
      venueHours: 'Merchant venue-hours',
      merchants: 'Merchants engaged',
      volunteerHours: 'Volunteer hours',
      feedback: 'Mean supervision ratings (organisation / participation / effect)',
      milestones: 'Milestones done on time',
    },
    tables: {
      summary: 'Every figure and its sources',
      activities: 'Activities',
      families: 'Families',
      volunteers: 'Volunteers',
      merchants: 'Merchants',
      sponsorships: 'Sponsorships',
      milestones: 'Milestones',
    },
    values: {
      ...termsFor(ACTIVITY_OUTCOME_TERMS, 'en'),
      unfinished: 'unfinished',
      onTime: 'on time',
      late: 'late',
      missed: 'missed',
      pending: 'not yet due',
      received: 'received',
      missing: 'missing',
      notApplicable: 'n/a',
      community: 'community venue',
      merchant: "merchant's venue",
      coordinator: 'assigned by the coordinator',
      true: 'yes',
      false: 'no',
    },
    csv: 'Download CSV',
    printHint: 'Print this page from the browser; the navigation is left out of the print.',
    empty: '(none)',
  },
  cycles: {
    period: 'Period',
    compounds: 'Compounds',
    milestones: 'Milestones',
    milestonesDone: (done, all) => `${done} of ${all} done`,
    states: { ...termsFor(MILESTONE_STATE_TERMS, 'en'), late: 'done late' },
    closed: 'closed',
  },
  signIn: {
    heading: 'Staff sign-in',
    intro: 'Enter the email address we have on file for you. We will send a sign-in link that works once, for 15 minutes.',
    email: 'Email address',
    send: 'Send me a sign-in link',
    sentTitle: 'Check your email',
    sentBody: 'If this address belongs to a staff member, a sign-in link is on its way. It works once, for 15 minutes.',
    again: 'Ask for a new sign-in link',
    linkTitle: 'Sign in to the coordinator dashboard',
    linkBody: (name) => `${name}, press the button below to sign in. Opening this page alone signs no one in.`,
    linkButton: 'Sign in',
    usedTitle: 'This sign-in link was already used',
    usedBody: 'Each sign-in link works once. To sign in again, ask for a new link.',
    expiredTitle: 'This sign-in link has expired',
    expiredBody: 'Sign-in links work for 15 minutes. Please ask for a new one.',
    invalidTitle: 'Invalid sign-in link',
    invalidBody: 'This link is incomplete or has been changed. Please use the button in the email, or copy the whole link.',
    signedOut: 'You have signed out.',
    unknownStaffTitle: 'Cannot sign in',
    unknownStaffBody: 'The staff member this link was sent to is no longer in the directory. Please contact the coordinator.',
  },
  errors: {
    forbiddenTitle: 'Not allowed',
    forbidden: {
      otherCompound: "You can see only your own compound's activities and families.",
      report: 'Only coordinators can see the cycle report.',
      points: "Supervisors see activities and feedback, not families' points.",
      noCompound: 'No compound is on file for you; please ask the coordinator.',
    },
    notFoundTitle: 'Not found',
    notFoundBody: 'There is no such page or activity.',
    unauthorisedTitle: 'Please sign in',
    unauthorisedBody: 'Your session has ended; please sign in again.',
  },
  count: (n) => String(n),
};

const STRINGS: Record<Locale, DashboardStrings> = { 'zh-CN': zhCN, en };

export function dashboardStrings(locale: Locale): DashboardStrings {
  return STRINGS[locale] ?? zhCN;
}
