/** Strings of the families' and volunteers' self-service pages: Simplified Chinese (default) and English. */
import type { Locale } from '../../domain/schemas';
import { stringsFor } from '../links/i18n';

export interface SelfServiceStrings {
  hello: (name: string) => string;
  labels: { activity: string; compound: string; time: string; state: string; placesLeft: string; members: string };
  register: {
    heading: string;
    intro: string;
    membersLabel: string;
    button: string;
    cancelButton: string;
    notRegistered: string;
    registered: (members: number) => string;
    waitlisted: (members: number, position: number) => string;
    cancelled: string;
    doneRegistered: string;
    doneWaitlisted: string;
    already: string;
    cancelDone: string;
    nothingToCancel: string;
    closed: string;
    membersInvalid: string;
    tooMany: (capacity: number) => string;
  };
  checkIn: {
    heading: string;
    intro: string;
    button: string;
    checkOutButton: string;
    notYet: (opensAt: string) => string;
    closedNow: string;
    done: (at: string) => string;
    already: (at: string) => string;
    checkedOut: (at: string) => string;
    notCheckedIn: string;
  };
  card: { title: string; body: string };
  ask: {
    heading: string;
    intro: string;
    email: string;
    button: string;
    sentTitle: string;
    sentBody: string;
  };
  notice: string;
  pages: {
    invalid: { title: string; body: string };
    expiredRegister: { title: string; body: string };
    expiredCheckIn: { title: string; body: string };
    notFound: { title: string; body: string };
    forbidden: { title: string; body: string };
    badAction: string;
  };
}

const zhCN: SelfServiceStrings = {
  hello: (name) => `${name}，您好！`,
  labels: { activity: '活动', compound: '小区', time: '时间（北京时间）', state: '当前状态', placesLeft: '剩余名额', members: '参加人数' },
  register: {
    heading: '活动报名',
    intro: '请填写参加人数后提交。名额已满时将进入候补名单，有名额空出时会按顺序转为正式报名并邮件通知您。',
    membersLabel: '参加人数（含儿童）',
    button: '提交报名',
    cancelButton: '取消报名',
    notRegistered: '尚未报名',
    registered: (n) => `已报名（${n} 人）`,
    waitlisted: (n, p) => `候补中（${n} 人，排第 ${p} 位）`,
    cancelled: '已取消报名',
    doneRegistered: '报名成功！期待与您相见。',
    doneWaitlisted: '名额已满，您已进入候补名单；有名额空出时我们会邮件通知您。',
    already: '您已经报名（或在候补名单中），本次提交没有做任何更改。',
    cancelDone: '已为您取消报名，名额将留给其他家庭。',
    nothingToCancel: '您目前没有报名，无需取消。',
    closed: '报名已截止（签到开放时截止），或活动已取消。如需帮助，请联系物业管家。',
    membersInvalid: '请填写 1–50 之间的参加人数。',
    tooMany: (c) => `参加人数超过了活动的人数上限（${c} 人）。`,
  },
  checkIn: {
    heading: '活动签到',
    intro: '到达活动现场后，点击下方按钮完成签到。',
    button: '签到',
    checkOutButton: '签退',
    notYet: (at) => `签到尚未开始，预计 ${at} 开放。请到达现场后再打开本页面。`,
    closedNow: '签到已结束，不能再签到。',
    done: (at) => `签到成功！签到时间：${at}。`,
    already: (at) => `您已于 ${at} 签到，本次没有重复记录。`,
    checkedOut: (at) => `已于 ${at} 签退，感谢您的志愿服务！`,
    notCheckedIn: '您还没有签到，不能签退。',
  },
  card: { title: '签到码', body: '这是您的活动签到码。请在活动签到处出示，由工作人员扫码签到。' },
  ask: {
    heading: '活动报名',
    intro: '请输入您在社区登记的邮箱，我们会把您家庭专属的报名链接发送到该邮箱。',
    email: '邮箱',
    button: '发送报名链接',
    sentTitle: '请查收邮件',
    sentBody: '如果该邮箱已在社区登记，报名链接已发送，请查收。',
  },
  notice: '仅打开本页面不会做任何操作；点击按钮提交后才会生效。',
  pages: {
    invalid: { title: '链接无效', body: '这个链接不完整或已被修改。请直接点击邮件中的按钮，或完整复制链接。' },
    expiredRegister: { title: '报名已截止', body: '这个报名链接已过期：签到开放时报名即截止。如需帮助，请联系物业管家。' },
    expiredCheckIn: { title: '签到已结束', body: '这个签到链接已过期。如需补登，请联系现场工作人员。' },
    notFound: { title: '未找到', body: '找不到这个链接对应的活动或登记信息。' },
    forbidden: { title: '无法提交', body: '页面已过期或请求来源不正确。请重新打开链接，再在页面上提交。' },
    badAction: '请点击页面上的按钮提交。',
  },
};

const en: SelfServiceStrings = {
  hello: (name) => `Hello, ${name}!`,
  labels: { activity: 'Activity', compound: 'Compound', time: 'When (Beijing time)', state: 'Current state', placesLeft: 'Places left', members: 'People' },
  register: {
    heading: 'Register for the activity',
    intro: 'Say how many of you are coming and submit. When it is full you join the waitlist; when a place frees up, families are promoted in order and told by email.',
    membersLabel: 'How many people (children included)',
    button: 'Register',
    cancelButton: 'Cancel my registration',
    notRegistered: 'Not registered',
    registered: (n) => `Registered (${n} ${n === 1 ? 'person' : 'people'})`,
    waitlisted: (n, p) => `On the waitlist (${n} ${n === 1 ? 'person' : 'people'}, number ${p} in line)`,
    cancelled: 'Registration cancelled',
    doneRegistered: 'You are registered. See you there!',
    doneWaitlisted: 'The activity is full: you are on the waitlist, and we will email you when a place frees up.',
    already: 'You were already registered (or on the waitlist); nothing was changed.',
    cancelDone: 'Your registration is cancelled; the place goes to another family.',
    nothingToCancel: 'You have no registration to cancel.',
    closed: 'Registration has closed (it closes when check-in opens), or the activity was cancelled. Please ask your property manager for help.',
    membersInvalid: 'Please give a number of people from 1 to 50.',
    tooMany: (c) => `That is more people than the activity holds (${c}).`,
  },
  checkIn: {
    heading: 'Check in',
    intro: 'When you arrive at the activity, press the button below to check in.',
    button: 'Check in',
    checkOutButton: 'Check out',
    notYet: (at) => `Check-in has not opened yet; it opens at about ${at}. Please open this page again when you arrive.`,
    closedNow: 'Check-in has closed.',
    done: (at) => `You are checked in (at ${at}).`,
    already: (at) => `You already checked in at ${at}; nothing new was recorded.`,
    checkedOut: (at) => `Checked out at ${at}. Thank you for volunteering!`,
    notCheckedIn: 'You have not checked in, so you cannot check out.',
  },
  card: { title: 'Check-in card', body: 'This is your check-in card. Show it at the activity’s check-in desk and staff will scan it.' },
  ask: {
    heading: 'Register for the activity',
    intro: 'Enter the email address the community has on file for your family, and we will send your family’s personal registration link to it.',
    email: 'Email',
    button: 'Send my registration link',
    sentTitle: 'Please check your email',
    sentBody: 'If this address is on file, your registration link has been sent to it.',
  },
  notice: 'Opening this page does nothing; only pressing a button does.',
  pages: {
    invalid: { title: 'Invalid link', body: 'This link is incomplete or has been changed. Please use the button in the email, or copy the whole link.' },
    expiredRegister: { title: 'Registration has closed', body: 'This registration link has expired: registration closes when check-in opens. Please ask your property manager for help.' },
    expiredCheckIn: { title: 'Check-in has closed', body: 'This check-in link has expired. Please ask the staff at the activity.' },
    notFound: { title: 'Not found', body: 'We could not find the activity or the person this link belongs to.' },
    forbidden: { title: 'Could not submit', body: 'The page has expired or the request did not come from this site. Please open the link again and submit on that page.' },
    badAction: 'Please press one of the buttons on the page.',
  },
};

const STRINGS: Record<Locale, SelfServiceStrings> = { 'zh-CN': zhCN, en };

/** These pages' strings plus the shared page strings (times, site name, rate-limit and error pages). */
export function selfServiceStrings(locale: Locale) {
  return { ...stringsFor(locale), ss: STRINGS[locale] ?? zhCN };
}
