/**
 * The domain's words, each defined once with its Simplified Chinese and English label.
 *
 * Every surface (action pages, dashboard, staff pages, emails, the digest, CSV headers and cells)
 * takes a stage, role, pending action, decision kind, outcome, milestone state, cycle phase or
 * email purpose from here, so the same thing has the same name everywhere. Each table is typed
 * `Record<Key, Label>`: a key without both labels fails to compile.
 *
 * Pure: no I/O, no Node built-ins; the workflow bundle may import the key lists.
 */
import type { CouponStatus } from './coupons';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** One term's label in every locale. */
export type Label = Readonly<Record<Locale, string>>;

/** A term table: every key has a label in every locale. */
export type Terms<K extends string> = Readonly<Record<K, Label>>;

/** The label of `key` in `locale`. */
export function label<K extends string>(terms: Terms<K>, key: K, locale: Locale): string {
  return terms[key][locale];
}

/**
 * A label as it reads inside a sentence: English lower-cases its first letter ("for a property
 * manager"); Chinese is unchanged. The one place a term is re-cased.
 */
export function inSentence(text: string, locale: Locale): string {
  return locale === 'en' ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

/** Every label of `terms` in `locale`, keyed like `terms`: a surface's string table takes this. */
export function termsFor<K extends string>(terms: Terms<K>, locale: Locale): Readonly<Record<K, string>> {
  const out = {} as Record<K, string>;
  for (const key of Object.keys(terms) as K[]) out[key] = terms[key][locale];
  return out;
}

// ---------------------------------------------------------------------------------------------
// The seven working stages of a themed activity, then its three terminal ones.

export const WORKING_STAGES = [
  'planning',
  'venueRequest',
  'approval',
  'reminders',
  'attendance',
  'pointsAward',
  'supervisionFeedback',
] as const;
export type WorkingStage = (typeof WORKING_STAGES)[number];

export const TERMINAL = ['completed', 'rejected', 'cancelled'] as const;
export type TerminalStage = (typeof TERMINAL)[number];

export type Stage = WorkingStage | TerminalStage;
export const ALL_STAGES: readonly Stage[] = [...WORKING_STAGES, ...TERMINAL];

export const STAGE_TERMS: Terms<Stage> = {
  planning: { 'zh-CN': '策划', en: 'Planning' },
  venueRequest: { 'zh-CN': '商户场地申请', en: 'Merchant venue request' },
  approval: { 'zh-CN': '审批', en: 'Approval' },
  reminders: { 'zh-CN': '提醒', en: 'Reminders' },
  attendance: { 'zh-CN': '签到', en: 'Attendance' },
  pointsAward: { 'zh-CN': '积分发放', en: 'Points award' },
  supervisionFeedback: { 'zh-CN': '督导反馈', en: 'Supervision feedback' },
  completed: { 'zh-CN': '已完成', en: 'Completed' },
  rejected: { 'zh-CN': '方案未通过', en: 'Plan rejected' },
  cancelled: { 'zh-CN': '已取消', en: 'Cancelled' },
};

// ---------------------------------------------------------------------------------------------
// Who: staff roles (they sign in and hold API tokens) and the other parties a step can wait on.

export const STAFF_ROLES = ['propertyManager', 'gridWorker', 'coordinator', 'supervisor'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Whoever a pending action can wait on. */
export const PARTIES = [...STAFF_ROLES, 'merchant', 'families', 'system'] as const;
export type Party = (typeof PARTIES)[number];

export const ROLE_TERMS: Terms<Party> = {
  propertyManager: { 'zh-CN': '物业管家', en: 'Property manager' },
  gridWorker: { 'zh-CN': '网格员', en: 'Grid worker' },
  coordinator: { 'zh-CN': '项目协调人', en: 'Coordinator' },
  supervisor: { 'zh-CN': '督导', en: 'Supervisor' },
  merchant: { 'zh-CN': '商户', en: 'Merchant' },
  families: { 'zh-CN': '居民家庭', en: 'Families' },
  system: { 'zh-CN': '系统', en: 'System' },
};

// ---------------------------------------------------------------------------------------------
// What a themed activity waits for next.

export const PENDING_ACTIONS = [
  'revisePlan',
  'answerVenueRequest',
  'assignVenueOrRevisePlan',
  'decideApproval',
  'register',
  'checkIn',
  'awardPoints',
  'submitFeedback',
] as const;
export type PendingActionKind = (typeof PENDING_ACTIONS)[number];

export const PENDING_ACTION_TERMS: Terms<PendingActionKind> = {
  revisePlan: { 'zh-CN': '修改活动方案', en: 'Revise the plan' },
  answerVenueRequest: { 'zh-CN': '答复场地申请', en: 'Answer the venue request' },
  assignVenueOrRevisePlan: { 'zh-CN': '指定场地或修改方案', en: 'Assign a venue or revise the plan' },
  decideApproval: { 'zh-CN': '审批活动方案', en: 'Decide on the plan' },
  register: { 'zh-CN': '报名', en: 'Register' },
  checkIn: { 'zh-CN': '签到', en: 'Check in' },
  awardPoints: { 'zh-CN': '发放积分', en: 'Award points' },
  submitFeedback: { 'zh-CN': '提交督导反馈', en: 'Give supervision feedback' },
};

// ---------------------------------------------------------------------------------------------
// What the activity's record of decisions holds.

export const DECISION_KINDS = [
  'planSubmitted',
  'planRevised',
  'merchantAnswer',
  'merchantNoAnswer',
  'venueAssigned',
  'approval',
  'approvalEscalated',
  'rescheduled',
  'cancelled',
  'feedback',
  'feedbackMissing',
] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

export const DECISION_KIND_TERMS: Terms<DecisionKind> = {
  planSubmitted: { 'zh-CN': '提交方案', en: 'Plan submitted' },
  planRevised: { 'zh-CN': '修改方案', en: 'Plan revised' },
  merchantAnswer: { 'zh-CN': '商户答复', en: 'Merchant answered' },
  merchantNoAnswer: { 'zh-CN': '商户未答复', en: 'Merchant did not answer' },
  venueAssigned: { 'zh-CN': '指定场地', en: 'Venue assigned' },
  approval: { 'zh-CN': '审批', en: 'Approval' },
  approvalEscalated: { 'zh-CN': '审批超时，转协调人', en: 'Approval escalated to the coordinator' },
  rescheduled: { 'zh-CN': '改期', en: 'Rescheduled' },
  cancelled: { 'zh-CN': '取消活动', en: 'Cancelled' },
  feedback: { 'zh-CN': '督导反馈', en: 'Supervision feedback' },
  feedbackMissing: { 'zh-CN': '督导反馈未提交', en: 'Supervision feedback missing' },
};

/** A grid worker's (or coordinator's) approval decision. */
export const APPROVAL_DECISIONS = ['approve', 'reject', 'requestChanges'] as const;
export type ApprovalDecisionKind = (typeof APPROVAL_DECISIONS)[number];

/** A merchant's answer to a venue request. */
export const MERCHANT_ANSWERS = ['accept', 'decline'] as const;
export type MerchantAnswerKind = (typeof MERCHANT_ANSWERS)[number];

/**
 * The outcome words a decision record carries. (Some kinds carry free text instead: a plan
 * version, a venue name, a new time; those are shown as they are.)
 */
export const DECISION_OUTCOMES = [
  ...APPROVAL_DECISIONS,
  ...MERCHANT_ANSWERS,
  'submitted',
  'noAnswer',
  'escalated',
  'cancelled',
  'missing',
] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

export const DECISION_OUTCOME_TERMS: Terms<DecisionOutcome> = {
  approve: { 'zh-CN': '通过', en: 'Approved' },
  reject: { 'zh-CN': '不通过', en: 'Rejected' },
  requestChanges: { 'zh-CN': '退回修改', en: 'Changes requested' },
  accept: { 'zh-CN': '同意借用', en: 'Accepted' },
  decline: { 'zh-CN': '暂不方便', en: 'Declined' },
  submitted: { 'zh-CN': '已提交', en: 'Submitted' },
  noAnswer: { 'zh-CN': '未答复', en: 'No answer' },
  escalated: { 'zh-CN': '已转协调人', en: 'Escalated' },
  cancelled: { 'zh-CN': '已取消', en: 'Cancelled' },
  missing: { 'zh-CN': '未提交', en: 'Missing' },
};

/** How a finished activity ended, as its incubation cycle counts it. */
export const ACTIVITY_OUTCOMES = ['completed', 'rejected', 'cancelled'] as const;
export type ActivityOutcome = (typeof ACTIVITY_OUTCOMES)[number];

export const ACTIVITY_OUTCOME_TERMS: Terms<ActivityOutcome> = {
  completed: { 'zh-CN': '已举办', en: 'Held' },
  rejected: { 'zh-CN': '方案未通过', en: 'Plan rejected' },
  cancelled: { 'zh-CN': '已取消', en: 'Cancelled' },
};

// ---------------------------------------------------------------------------------------------
// Incubation cycles.

export const MILESTONE_STATES = ['pending', 'done', 'overdue'] as const;
export type MilestoneState = (typeof MILESTONE_STATES)[number];

export const MILESTONE_STATE_TERMS: Terms<MilestoneState> = {
  pending: { 'zh-CN': '待完成', en: 'Pending' },
  done: { 'zh-CN': '已完成', en: 'Done' },
  overdue: { 'zh-CN': '已逾期', en: 'Overdue' },
};

export const CYCLE_PHASES = ['running', 'waitingForActivities', 'reporting', 'closed'] as const;
export type CyclePhase = (typeof CYCLE_PHASES)[number];

export const CYCLE_PHASE_TERMS: Terms<CyclePhase> = {
  running: { 'zh-CN': '进行中', en: 'Running' },
  waitingForActivities: { 'zh-CN': '等待活动结束', en: 'Waiting for its activities' },
  reporting: { 'zh-CN': '生成报告中', en: 'Compiling the report' },
  closed: { 'zh-CN': '已结束', en: 'Closed' },
};

// ---------------------------------------------------------------------------------------------
// Why an email was sent (the outbox's purpose column; shown on the dashboard and in the digest).

export const EMAIL_PURPOSES = [
  'venueRequest',
  'venueUnavailable',
  'approvalRequest',
  'approvalReminder',
  'approvalEscalation',
  'planDecided',
  'registrationOpen',
  'reminder',
  'changeNotice',
  'cancellation',
  'pointsAwarded',
  'feedbackRequest',
  'feedbackReminder',
  'waitlistPromoted',
  'registrationReleased',
  'milestoneReminder',
  'milestoneEscalation',
  'cycleReportReady',
  'dailyDigest',
  'signIn',
  'registrationLink',
  'freshLink',
  'pointsExpiring',
  // Spending points (api/points): the coupon a family got at the counter; a merchant's coupon-check link.
  'couponIssued',
  'merchantCouponLink',
  // Issue 11: one-step registration.
  'registrationConfirmed',
  // Issue 12: outcome evaluation, a family's survey invitation and its one reminder.
  'surveyInvitation',
  'surveyReminder',
] as const;
export type EmailPurpose = (typeof EMAIL_PURPOSES)[number];

export const EMAIL_PURPOSE_TERMS: Terms<EmailPurpose> = {
  venueRequest: { 'zh-CN': '商户场地申请', en: 'Merchant venue request' },
  venueUnavailable: { 'zh-CN': '无商户场地通知', en: 'No merchant venue' },
  approvalRequest: { 'zh-CN': '审批请求', en: 'Approval request' },
  approvalReminder: { 'zh-CN': '审批提醒', en: 'Approval reminder' },
  approvalEscalation: { 'zh-CN': '审批升级', en: 'Approval escalation' },
  planDecided: { 'zh-CN': '审批结果通知', en: 'Approval result' },
  registrationOpen: { 'zh-CN': '报名开放通知', en: 'Registration open' },
  reminder: { 'zh-CN': '活动提醒', en: 'Activity reminder' },
  changeNotice: { 'zh-CN': '改期通知', en: 'Change notice' },
  cancellation: { 'zh-CN': '取消通知', en: 'Cancellation notice' },
  pointsAwarded: { 'zh-CN': '积分到账通知', en: 'Points awarded' },
  feedbackRequest: { 'zh-CN': '督导反馈请求', en: 'Feedback request' },
  feedbackReminder: { 'zh-CN': '督导反馈提醒', en: 'Feedback reminder' },
  waitlistPromoted: { 'zh-CN': '候补转正通知', en: 'Waitlist place offered' },
  registrationReleased: { 'zh-CN': '报名释放通知', en: 'Registration released' },
  milestoneReminder: { 'zh-CN': '里程碑提醒', en: 'Milestone reminder' },
  milestoneEscalation: { 'zh-CN': '里程碑逾期升级', en: 'Milestone escalation' },
  cycleReportReady: { 'zh-CN': '周期报告已生成', en: 'Cycle report ready' },
  dailyDigest: { 'zh-CN': '每日汇总', en: 'Daily digest' },
  signIn: { 'zh-CN': '登录链接', en: 'Sign-in link' },
  registrationLink: { 'zh-CN': '报名链接', en: 'Registration link' },
  freshLink: { 'zh-CN': '新链接', en: 'Fresh link' },
  pointsExpiring: { 'zh-CN': '积分到期提醒', en: 'Points expiring' },
  couponIssued: { 'zh-CN': '兑换券发放通知', en: 'Coupon issued' },
  merchantCouponLink: { 'zh-CN': '商户核销链接', en: 'Merchant coupon link' },
  // Issue 11: one-step registration.
  registrationConfirmed: { 'zh-CN': '报名确认', en: 'Registration confirmed' },
  // Issue 12: outcome evaluation.
  surveyInvitation: { 'zh-CN': '问卷邀请', en: 'Survey invitation' },
  surveyReminder: { 'zh-CN': '问卷提醒', en: 'Survey reminder' },
};

// ---------------------------------------------------------------------------------------------
// Points staff award outside an activity (domain/points.ts STAFF_AWARD_PATHS): the ledger entry's rule.

export const STAFF_AWARD_PATH_TERMS: Terms<'familyLearning' | 'volunteering'> = {
  familyLearning: { 'zh-CN': '家庭学习', en: 'Family learning' },
  volunteering: { 'zh-CN': '志愿服务（活动外）', en: 'Volunteering outside an activity' },
};

// ---------------------------------------------------------------------------------------------
// A coupon's status (domain/coupons.ts): the family's page, the counter and the merchant's page.

export const COUPON_STATUS_TERMS: Terms<CouponStatus> = {
  issued: { 'zh-CN': '已发放', en: 'Issued' },
  used: { 'zh-CN': '已使用', en: 'Used' },
  expired: { 'zh-CN': '已过期', en: 'Expired' },
  refunded: { 'zh-CN': '已退还', en: 'Refunded' },
};

/** A survey round's kind (outcome evaluation): after an activity, a cycle's baseline, its end. */
export const SURVEY_ROUND_KINDS = ['activity', 'baseline', 'end'] as const;
export type SurveyRoundKind = (typeof SURVEY_ROUND_KINDS)[number];

export const SURVEY_ROUND_TERMS: Terms<SurveyRoundKind> = {
  activity: { 'zh-CN': '活动问卷', en: 'Activity survey' },
  baseline: { 'zh-CN': '基线问卷（周期开始）', en: 'Baseline (cycle start)' },
  end: { 'zh-CN': '期末问卷（周期结束）', en: 'End (cycle end)' },
};
