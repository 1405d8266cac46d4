/**
 * The demo community (`npm run demo`): 锦华社区 as the action-research report describes it
 * (../shared/DOMAIN.md), shrunk to four compounds. Every person and address is fictional: the
 * addresses are under the reserved `.invalid` domain, so no real mailbox can ever receive them
 * (the dev mailbox catches everything anyway).
 *
 * Pure data: dates are worked out from `now` in demoCycle/demoActivities, so a plan always starts
 * in the future and inside the cycle, as domain/plan-checks.ts asks.
 */
import type { PlanRequestInput } from '../../api/activities/schemas';

const DOMAIN = 'demo.invalid';
const mail = (local: string) => `${local}@${DOMAIN}`;

export const DEMO_COMPOUNDS = [
  { id: 'liuli', name: '琉璃苑' },
  { id: 'jinhua-garden', name: '锦华花园' },
  { id: 'dongli', name: '东篱小区' },
  { id: 'hehe-yard', name: '和合院（老旧院落）' },
] as const;

export type DemoCompoundId = (typeof DEMO_COMPOUNDS)[number]['id'];

/** The coordinator's id: the demo's in-process API token acts as this person. */
export const DEMO_COORDINATOR_ID = 'co-zhang';

/** The three-heads team (三长共治专班) and the project's coordinator and supervisor. */
export const DEMO_STAFF = [
  { id: DEMO_COORDINATOR_ID, role: 'coordinator', name: '张雨桐', email: mail('zhang.yutong'), compoundId: null },
  { id: 'su-chen', role: 'supervisor', name: '陈静怡', email: mail('chen.jingyi'), compoundId: null },
  { id: 'pm-liuli', role: 'propertyManager', name: '王建国', email: mail('wang.jianguo'), compoundId: 'liuli' },
  { id: 'gw-liuli', role: 'gridWorker', name: '李晓梅', email: mail('li.xiaomei'), compoundId: 'liuli' },
  { id: 'pm-jinhua-garden', role: 'propertyManager', name: '刘海涛', email: mail('liu.haitao'), compoundId: 'jinhua-garden' },
  { id: 'gw-jinhua-garden', role: 'gridWorker', name: '赵丽娟', email: mail('zhao.lijuan'), compoundId: 'jinhua-garden' },
  { id: 'pm-dongli', role: 'propertyManager', name: '孙志强', email: mail('sun.zhiqiang'), compoundId: 'dongli' },
  { id: 'gw-dongli', role: 'gridWorker', name: '周敏', email: mail('zhou.min'), compoundId: 'dongli' },
  { id: 'pm-hehe-yard', role: 'propertyManager', name: '吴德明', email: mail('wu.deming'), compoundId: 'hehe-yard' },
  { id: 'gw-hehe-yard', role: 'gridWorker', name: '郑秀英', email: mail('zheng.xiuying'), compoundId: 'hehe-yard' },
] as const satisfies readonly { id: string; role: string; name: string; email: string; compoundId: DemoCompoundId | null }[];

/** 志愿者: residents, and two professionals (a family-education counsellor, a psychologist) attached to no compound. */
export const DEMO_VOLUNTEERS = [
  { id: 'vol-huang', name: '黄志华', email: mail('huang.zhihua'), compoundId: 'liuli' },
  { id: 'vol-he', name: '何美玲', email: mail('he.meiling'), compoundId: 'liuli' },
  { id: 'vol-lin', name: '林晨', email: mail('lin.chen'), compoundId: 'jinhua-garden' },
  { id: 'vol-guo', name: '郭小燕', email: mail('guo.xiaoyan'), compoundId: 'dongli' },
  { id: 'vol-ma', name: '马老师（家庭教育指导师）', email: mail('ma.laoshi'), compoundId: null },
  { id: 'vol-xu', name: '徐医生（心理咨询师）', email: mail('xu.yisheng'), compoundId: null },
] as const;

/** Households (家庭), named as residents say them, with how many members come along. */
export const DEMO_FAMILIES = [
  { id: 'fam-liuli-01', compoundId: 'liuli', name: '王磊一家', email: mail('wang.lei.family'), members: 3 },
  { id: 'fam-liuli-02', compoundId: 'liuli', name: '陈思远一家', email: mail('chen.siyuan.family'), members: 4 },
  { id: 'fam-liuli-03', compoundId: 'liuli', name: '杨帆一家', email: mail('yang.fan.family'), members: 3 },
  { id: 'fam-liuli-04', compoundId: 'liuli', name: '许婷一家', email: mail('xu.ting.family'), members: 2 },
  { id: 'fam-liuli-05', compoundId: 'liuli', name: '邓爷爷和孙子', email: mail('deng.family'), members: 2 },
  { id: 'fam-jinhua-01', compoundId: 'jinhua-garden', name: '刘洋一家', email: mail('liu.yang.family'), members: 3 },
  { id: 'fam-jinhua-02', compoundId: 'jinhua-garden', name: '黄丽一家', email: mail('huang.li.family'), members: 4 },
  { id: 'fam-jinhua-03', compoundId: 'jinhua-garden', name: '罗斌一家', email: mail('luo.bin.family'), members: 3 },
  { id: 'fam-dongli-01', compoundId: 'dongli', name: '朱倩一家', email: mail('zhu.qian.family'), members: 3 },
  { id: 'fam-dongli-02', compoundId: 'dongli', name: '胡军一家', email: mail('hu.jun.family'), members: 5 },
  { id: 'fam-dongli-03', compoundId: 'dongli', name: '高明一家', email: mail('gao.ming.family'), members: 2 },
  { id: 'fam-hehe-01', compoundId: 'hehe-yard', name: '林奶奶一家', email: mail('lin.nainai.family'), members: 2 },
  { id: 'fam-hehe-02', compoundId: 'hehe-yard', name: '谢刚一家', email: mail('xie.gang.family'), members: 4 },
  { id: 'fam-hehe-03', compoundId: 'hehe-yard', name: '宋佳一家', email: mail('song.jia.family'), members: 3 },
] as const;

/** 商户 of the 万达 commercial complex and the street, as in the report's 未来职业实验室 and 我是小厨师. */
export const DEMO_MERCHANTS = [
  { id: 'mer-wanda', name: '万达广场（锦华店）', email: mail('wanda.plaza') },
  { id: 'mer-bookstore', name: '书香里书店', email: mail('shuxiangli.books') },
  { id: 'mer-kitchen', name: '小厨房亲子餐厅', email: mail('xiaochufang') },
  { id: 'mer-ai-lab', name: '未来科技少儿编程', email: mail('future.coding') },
] as const;

/** Venues: the merchants' spaces and the community's own (no merchant). */
export const DEMO_VENUES = [
  { id: 'ven-wanda-hall', merchantId: 'mer-wanda', name: '万达广场三楼共享空间', capacity: 120 },
  { id: 'ven-bookstore-corner', merchantId: 'mer-bookstore', name: '书香里亲子阅读角', capacity: 30 },
  { id: 'ven-kitchen', merchantId: 'mer-kitchen', name: '小厨房烘焙教室', capacity: 24 },
  { id: 'ven-party-centre', merchantId: null, name: '锦华社区党群服务中心活动室', capacity: 80 },
  { id: 'ven-family-centre', merchantId: null, name: '家庭成长中心', capacity: 40 },
  { id: 'ven-silver-station', merchantId: null, name: '银龄共享站', capacity: 30 },
] as const;

/** The growth-points catalogue (成长积分): community education resources and merchant coupons. */
export const DEMO_REWARDS = [
  { id: 'rew-reading-class', name: '亲子共读课一次', kind: 'education', price: 30, stock: 50 },
  { id: 'rew-family-counsel', name: '家庭辅导角一对一咨询', kind: 'education', price: 60, stock: 20 },
  { id: 'rew-wanda-cinema', name: '万达影城亲子观影券', kind: 'merchantCoupon', merchantId: 'mer-wanda', price: 80, stock: 30 },
  { id: 'rew-kitchen-baking', name: '小厨房亲子烘焙体验券', kind: 'merchantCoupon', merchantId: 'mer-kitchen', price: 50, stock: 20 },
] as const;

const DAY_MS = 86_400_000;
const BEIJING_OFFSET_MS = 8 * 3_600_000;

/** `hh:mm` Beijing time on the day `days` after `now`'s Beijing date, as an ISO instant with its +08:00 offset. */
export function beijingTime(now: Date, days: number, hhmm: string): string {
  const date = new Date(now.getTime() + BEIJING_OFFSET_MS + days * DAY_MS).toISOString().slice(0, 10);
  return `${date}T${hhmm}:00+08:00`;
}

export const DEMO_CYCLE_ID = 'jinhua-2026-1';

/**
 * The incubation cycle (孵化周期) running now: it began a week ago and lasts three months more. Its
 * kick-off training is recorded done by the seed; it is due in two days, so it shows as done in time
 * (a milestone recorded after its due time shows as done late).
 */
export function demoCycle(now: Date) {
  return {
    id: DEMO_CYCLE_ID,
    name: '锦华合鸣·全龄织锦 第一期孵化与督导',
    periodStart: new Date(now.getTime() - 7 * DAY_MS).toISOString(),
    periodEnd: new Date(now.getTime() + 90 * DAY_MS).toISOString(),
    compounds: DEMO_COMPOUNDS.map((c) => c.id),
    supervisorId: 'su-chen',
    milestones: [
      { id: 'kickoff-training', name: '启动培训', dueAt: new Date(now.getTime() + 2 * DAY_MS).toISOString() },
      { id: 'midterm-supervision', name: '中期督导', dueAt: new Date(now.getTime() + 30 * DAY_MS).toISOString() },
      { id: 'activity-review', name: '活动复盘', dueAt: new Date(now.getTime() + 60 * DAY_MS).toISOString() },
      { id: 'experience-sharing', name: '经验分享', dueAt: new Date(now.getTime() + 85 * DAY_MS).toISOString() },
    ],
  };
}

/** The milestone already recorded done, with its notes. */
export const DEMO_DONE_MILESTONE = { id: 'kickoff-training', notes: '四个小区的物业管家、网格员和志愿者骨干共 18 人参加，讲解了活动策划与成长积分规则。' };

/** The sponsorship recorded on the cycle. */
export const DEMO_SPONSORSHIP = { id: 'spon-wanda-1', merchantId: 'mer-wanda', amountCny: 8000, note: '万达广场赞助亲子运动会奖品与物料' };

/** Where each demo activity is left: the stage a visitor finds it in. */
export type DemoStage = 'registrationOpen' | 'awaitingApproval' | 'awaitingMerchant' | 'changesRequested';

export interface DemoActivity {
  key: string;
  stage: DemoStage;
  propertyManagerId: string;
  plan: PlanRequestInput;
  /** registrationOpen: families registered, volunteers signed up. */
  registrations?: { familyId: string; members: number }[];
  volunteers?: string[];
  /** changesRequested: what the reviewer asked for. */
  changesComment?: string;
}

const points = { attendance: 10, perVolunteerHour: 5, familyLearning: 0 };

/**
 * A merchant venue: the candidates are asked in this order. The one place that says how a plan
 * names its candidate merchants (they may soon be named by directory id alone).
 */
export function merchantVenue(candidates: readonly { merchant: (typeof DEMO_MERCHANTS)[number]; venueId: (typeof DEMO_VENUES)[number]['id'] }[], hours: number): PlanRequestInput['venue'] {
  // The API reads each merchant's name, address and venue from the directory: a plan names them by id.
  return { kind: 'merchant', hours, candidateMerchants: candidates.map(({ merchant, venueId }) => ({ merchantId: merchant.id, venueId })) };
}

/** The report's four themed activities (4期小区主题活动), one at each stage a visitor should see. */
export function demoActivities(now: Date): DemoActivity[] {
  const wanda = DEMO_MERCHANTS[0];
  const bookstore = DEMO_MERCHANTS[1];
  return [
    {
      key: 'sports-day',
      stage: 'registrationOpen',
      propertyManagerId: 'pm-liuli',
      plan: {
        title: '邻里节·亲子运动会',
        theme: '邻里节',
        compound: 'liuli',
        description: '亲子接力、两人三足和趣味投篮，欢迎全家参加；完成签到即得成长积分。',
        startsAt: beijingTime(now, 10, '09:00'),
        endsAt: beijingTime(now, 10, '11:30'),
        capacity: 100,
        venue: { kind: 'community', venueName: '锦华社区党群服务中心活动室', hours: 2.5 },
        volunteersNeeded: 4,
        pointsRules: points,
        budget: 3000,
      },
      registrations: [
        { familyId: 'fam-liuli-01', members: 3 },
        { familyId: 'fam-liuli-02', members: 4 },
        { familyId: 'fam-liuli-03', members: 3 },
        { familyId: 'fam-liuli-05', members: 2 },
      ],
      volunteers: ['vol-huang', 'vol-he'],
    },
    {
      key: 'stress-workshop',
      stage: 'awaitingApproval',
      propertyManagerId: 'pm-jinhua-garden',
      plan: {
        title: '幸福家庭日·心理减压工作坊',
        theme: '幸福家庭日',
        compound: 'jinhua-garden',
        description: '徐医生带领亲子情绪管理团体辅导，适合双职工家庭。',
        startsAt: beijingTime(now, 14, '14:00'),
        endsAt: beijingTime(now, 14, '16:00'),
        capacity: 40,
        venue: { kind: 'community', venueName: '家庭成长中心', hours: 2 },
        volunteersNeeded: 2,
        pointsRules: { ...points, familyLearning: 5 },
        budget: 1500,
      },
    },
    {
      key: 'partner-sharing',
      stage: 'awaitingMerchant',
      propertyManagerId: 'pm-dongli',
      plan: {
        title: '成长合伙人经验分享会',
        theme: '成长合伙人',
        compound: 'dongli',
        description: '社群骨干、家长和商户分享一年来的共建经验。',
        startsAt: beijingTime(now, 21, '19:00'),
        endsAt: beijingTime(now, 21, '21:00'),
        capacity: 80,
        venue: merchantVenue(
          [
            { merchant: wanda, venueId: 'ven-wanda-hall' },
            { merchant: bookstore, venueId: 'ven-bookstore-corner' },
          ],
          2,
        ),
        volunteersNeeded: 3,
        pointsRules: points,
        budget: 2000,
      },
    },
    {
      key: 'stairwell',
      stage: 'changesRequested',
      propertyManagerId: 'pm-hehe-yard',
      plan: {
        title: '楼道美化·共创美好家园',
        theme: '楼道美化',
        compound: 'hehe-yard',
        description: '居民和孩子一起粉刷、绘制楼道墙面。',
        startsAt: beijingTime(now, 7, '09:30'),
        endsAt: beijingTime(now, 7, '12:00'),
        capacity: 30,
        venue: { kind: 'community', venueName: '和合院 3 栋楼道', hours: 2.5 },
        volunteersNeeded: 6,
        pointsRules: { attendance: 15, perVolunteerHour: 5, familyLearning: 0 },
        budget: 2500,
      },
      changesComment: '请补充涂料的环保与安全说明，并列出预算明细后再提交。',
    },
  ];
}
