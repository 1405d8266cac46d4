import type { ActivityEmailPurpose as EmailPurpose, EmailMessage } from '../../domain/emails';
import { escapeHtml, renderEmail } from '../../mail/templates';
import { formatDateRange, formatDateTime } from '../../i18n/format';

type MessageOf<P extends EmailPurpose> = Extract<EmailMessage, { purpose: P }>;

// ASCII values, so any Chinese in a zh-CN subject comes from the template itself.
const TITLE = 'Family <script>alert("x")</script> & Day';
const activity = {
  activityId: 'A001',
  title: TITLE,
  theme: 'Neighbourhood festival',
  compound: 'jinhua-1',
  startsAt: '2026-05-01T01:00:00Z', // 09:00 in Shanghai
  endsAt: '2026-05-01T03:30:00Z',
  venueName: 'Wanda atrium',
};
const base = { recipientName: 'Wang <Fang>', activity };
const URL_FOR = (p: string): string => `https://jinhua.example/a/${p}.tok-sig_123`;

const samples: { [P in EmailPurpose]: MessageOf<P> } = {
  venueRequest: { ...base, purpose: 'venueRequest', merchantVenueName: 'Hall B', hours: 4, answerBy: '2026-04-20T10:00:00Z', actionUrl: URL_FOR('venue') },
  venueUnavailable: { ...base, purpose: 'venueUnavailable', merchantsAsked: ['Wanda', 'Cafe <One>'], dashboardUrl: 'https://jinhua.example/dashboard?c=1&x=2' },
  approvalRequest: { ...base, purpose: 'approvalRequest', round: 1, decideBy: '2026-04-20T10:00:00Z', actionUrl: URL_FOR('approval'), capacity: 85, budget: 3200, description: 'Line one\n<b>bold</b>' },
  approvalReminder: { ...base, purpose: 'approvalReminder', round: 1, decideBy: '2026-04-20T10:00:00Z', actionUrl: URL_FOR('approval') },
  approvalEscalation: { ...base, purpose: 'approvalEscalation', round: 1, gridWorkerName: 'Li', waitingSince: '2026-04-18T10:00:00Z', actionUrl: URL_FOR('approval') },
  planDecided: { ...base, purpose: 'planDecided', round: 1, decision: 'requestChanges', comment: 'Add a "rain" plan', decidedBy: 'Li' },
  registrationOpen: { ...base, purpose: 'registrationOpen', registerUrl: 'https://jinhua.example/register/A001' },
  reminder: { ...base, purpose: 'reminder', leadTimeMs: 3 * 86_400_000 },
  changeNotice: { ...base, purpose: 'changeNotice', previousStartsAt: '2026-04-30T01:00:00Z', previousEndsAt: '2026-04-30T03:00:00Z', reason: 'Rain forecast' },
  cancellation: { ...base, purpose: 'cancellation', reason: 'Venue flooded' },
  pointsAwarded: { ...base, purpose: 'pointsAwarded', earned: 20, balance: 1250 },
  feedbackRequest: { ...base, purpose: 'feedbackRequest', feedbackBy: '2026-05-08T10:00:00Z', actionUrl: URL_FOR('feedback') },
  feedbackReminder: { ...base, purpose: 'feedbackReminder', feedbackBy: '2026-05-08T10:00:00Z', actionUrl: URL_FOR('feedback') },
  waitlistPromoted: { ...base, purpose: 'waitlistPromoted' },
  registrationReleased: { ...base, purpose: 'registrationReleased', outcome: 'rejected', reason: 'Budget <too> high' },
  registrationConfirmed: {
    ...base,
    purpose: 'registrationConfirmed',
    members: 3,
    description: 'Bring <water>',
    card: { url: 'https://jinhua.example/q/7K3MQ9TZABCD', code: '7K3M-Q9TZ' },
    checkInUrl: URL_FOR('checkin').replace('/a/', '/s/'),
    checkInExpiresAt: '2026-05-01T04:00:00Z',
    cancelUrl: URL_FOR('register').replace('/a/', '/s/'),
    calendar: { uid: 'A001.F001@jinhua.example', stampedAt: '2026-04-20T10:00:00Z', location: 'Wanda atrium' },
  },
};

/** Purposes whose link leads to a page where someone decides (signed action links). */
const DECISION_PURPOSES = ['venueRequest', 'approvalRequest', 'approvalReminder', 'approvalEscalation', 'feedbackRequest', 'feedbackReminder'] as const;

function linkOf(m: EmailMessage): string | undefined {
  if ('actionUrl' in m) return m.actionUrl;
  if ('registerUrl' in m) return m.registerUrl;
  if ('dashboardUrl' in m) return m.dashboardUrl;
  if ('checkInUrl' in m) return m.checkInUrl;
  return undefined;
}

const CJK = /[\u4e00-\u9fff]/;
const cases = (Object.keys(samples) as EmailPurpose[]).flatMap((purpose) =>
  (['zh-CN', 'en'] as const).map((locale) => [purpose, locale] as const),
);

describe('renderEmail', () => {
  it('covers all 16 purposes', () => {
    expect(Object.keys(samples)).toHaveLength(16);
  });

  it('the registration confirmation has its own subject, shows the card as the inline image with its code, the check-in and cancel links', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      const r = renderEmail(samples.registrationConfirmed, locale);
      expect(r.subject).not.toBe(renderEmail(samples.registrationOpen, locale).subject);
      expect(r.html).toContain('<img src="cid:family-card-qr@cogov"');
      expect(r.html).toContain('7K3M-Q9TZ');
      expect(r.text).toContain('7K3M-Q9TZ');
      expect(r.html).toContain(`href="${escapeHtml(samples.registrationConfirmed.cancelUrl)}"`);
      expect(r.text).toContain(samples.registrationConfirmed.cancelUrl);
      expect(r.text).toContain(samples.registrationConfirmed.checkInUrl);
      expect(r.html).toContain('Bring &lt;water&gt;');
    }
    expect(renderEmail(samples.registrationConfirmed, 'zh-CN').subject).toBe(`报名成功：${TITLE}`);
    expect(renderEmail(samples.registrationConfirmed, 'zh-CN').text).toContain(`此链接将于 ${formatDateTime('2026-05-01T04:00:00Z', 'zh-CN')}（北京时间）失效`);
  });

  it('a reminder to a family carries its card and check-in link; one to staff has neither', () => {
    const family = renderEmail({ ...samples.reminder, card: { url: 'https://jinhua.example/q/TOKEN', code: 'TOKE-N' }, checkInUrl: 'https://jinhua.example/s/x.y' }, 'zh-CN');
    expect(family.html).toContain('cid:family-card-qr@cogov');
    expect(family.text).toContain('TOKE-N');
    expect(family.text).toContain('https://jinhua.example/s/x.y');
    const staff = renderEmail(samples.reminder, 'zh-CN');
    expect(staff.html).not.toContain('cid:');
    expect(staff.html).not.toContain('href=');
  });

  it('the registration-open email states its link’s expiry when it has one', () => {
    const r = renderEmail({ ...samples.registrationOpen, linkExpiresAt: '2026-05-01T00:30:00Z' }, 'zh-CN');
    expect(r.text).toContain(`此链接将于 ${formatDateTime('2026-05-01T00:30:00Z', 'zh-CN')}（北京时间）失效`);
  });

  it.each(cases)('%s in %s: subject, escaping, links', (purpose, locale) => {
    const message = samples[purpose] as EmailMessage;
    const r = renderEmail(message, locale);

    expect(r.subject.trim().length).toBeGreaterThan(0);
    expect(r.subject).not.toMatch(/[\r\n]/);
    if (locale === 'zh-CN') expect(r.subject).toMatch(CJK);
    else expect(r.subject).not.toMatch(CJK);

    // Values are escaped in HTML, raw in text.
    expect(r.html).not.toContain('<script>');
    expect(r.html).not.toContain('<Fang>');
    expect(r.html).toContain('Wang &lt;Fang&gt;');
    expect(r.text).toContain('Wang <Fang>');
    expect(r.html).toContain('Family &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Day');
    expect(r.text).toContain(TITLE);
    expect(r.html).toMatch(new RegExp(`^<!DOCTYPE html><html lang="${locale}">`));

    const link = linkOf(message);
    if (link !== undefined) {
      expect(r.text).toContain(link);
      // As a button and as the raw URL.
      const href = `href="${escapeHtml(link)}"`;
      expect(r.html.split(href).length - 1).toBe(2);
    } else {
      expect(r.html).not.toContain('href=');
    }
  });

  it.each(DECISION_PURPOSES.flatMap((p) => [[p, 'zh-CN'], [p, 'en']] as const))(
    '%s in %s says that the page confirms and when the link expires',
    (purpose, locale) => {
      const message = { ...samples[purpose], linkExpiresAt: '2026-05-10T04:15:00Z' } as EmailMessage;
      const r = renderEmail(message, locale);
      for (const part of [r.text, r.html]) {
        if (locale === 'zh-CN') {
          expect(part).toContain('确认页面');
          expect(part).toContain('仅打开链接不会做出任何决定');
          expect(part).toContain(`此链接将于 ${formatDateTime('2026-05-10T04:15:00Z', 'zh-CN')}（北京时间）失效`);
        } else {
          expect(part).toContain('opens a page where you');
          expect(part).toContain('Nothing is decided by opening the link alone');
          expect(part).toContain(`This link expires on ${formatDateTime('2026-05-10T04:15:00Z', 'en')} (Beijing time)`);
        }
      }
    },
  );

  it('falls back to the deadline for the expiry, and to the round for an escalation', () => {
    expect(renderEmail(samples.approvalRequest, 'zh-CN').text).toContain(`此链接将于 ${formatDateTime('2026-04-20T10:00:00Z', 'zh-CN')}（北京时间）失效`);
    expect(renderEmail(samples.venueRequest, 'en').text).toContain(`This link expires on ${formatDateTime('2026-04-20T10:00:00Z', 'en')} (Beijing time)`);
    expect(renderEmail(samples.approvalEscalation, 'zh-CN').text).toContain('此链接在本轮审批结束后失效');
  });

  it('shows times in Asia/Shanghai', () => {
    const zh = renderEmail(samples.reminder, 'zh-CN');
    expect(zh.text).toContain(formatDateRange(activity.startsAt, activity.endsAt, 'zh-CN'));
    // The one form, whatever year the test runs in: month, day, weekday in full-width brackets, 24-hour time.
    expect(zh.text).toMatch(/(2026年)?5月1日（周五）09:00–11:30/);
    expect(zh.subject).toBe(`活动提醒：${TITLE}（3天后开始）`);
    const en = renderEmail(samples.reminder, 'en');
    expect(en.text).toContain(formatDateRange(activity.startsAt, activity.endsAt, 'en'));
    expect(en.text).toMatch(/Fri 1 May( 2026)? 09:00–11:30/);
    expect(en.subject).toBe(`Activity reminder: ${TITLE} starts in 3 days`);
    expect(renderEmail({ ...samples.reminder, leadTimeMs: 2 * 3_600_000 }, 'en').subject).toContain('starts in 2 hours');
    const change = renderEmail(samples.changeNotice, 'zh-CN').text;
    expect(change).toContain(`原时间：${formatDateRange('2026-04-30T01:00:00Z', '2026-04-30T03:00:00Z', 'zh-CN')}`);
    expect(change).toContain(`新时间：${formatDateRange(activity.startsAt, activity.endsAt, 'zh-CN')}`);
  });

  it('uses the domain words for each kind of email', () => {
    expect(renderEmail(samples.approvalRequest, 'zh-CN').subject).toMatch(/^审批请求：/);
    expect(renderEmail({ ...samples.approvalRequest, round: 2 }, 'zh-CN').subject).toContain('第2轮');
    expect(renderEmail(samples.venueRequest, 'zh-CN').subject).toMatch(/^商户场地申请：/);
    expect(renderEmail(samples.reminder, 'zh-CN').subject).toMatch(/^活动提醒：/);
    expect(renderEmail(samples.changeNotice, 'zh-CN').subject).toMatch(/^活动时间变更：/);
    expect(renderEmail(samples.cancellation, 'zh-CN').subject).toMatch(/^活动取消通知：/);
    expect(renderEmail(samples.pointsAwarded, 'zh-CN').subject).toBe('成长积分到账：+20');
    expect(renderEmail(samples.pointsAwarded, 'en').text).toContain('your balance is now 1,250');
    expect(renderEmail(samples.feedbackRequest, 'zh-CN').subject).toMatch(/^督导反馈：/);
    expect(renderEmail(samples.approvalEscalation, 'zh-CN').text).toContain('网格员Li');
  });

  it('gives each plan decision its own subject and shows the comment escaped', () => {
    const subjects = (['approve', 'reject', 'requestChanges'] as const).map(
      (decision) => renderEmail({ ...samples.planDecided, decision }, 'zh-CN').subject,
    );
    expect(new Set(subjects).size).toBe(3);
    const r = renderEmail(samples.planDecided, 'en');
    expect(r.text).toContain('Add a "rain" plan');
    expect(r.html).toContain('Add a &quot;rain&quot; plan');
  });

  it('tells a family its registration was released, with the title and the reason, for a rejected plan and a cancellation', () => {
    const rejectedZh = renderEmail(samples.registrationReleased, 'zh-CN');
    expect(rejectedZh.text).toContain('Wang <Fang>');
    expect(rejectedZh.text).toContain(`方案未获批准`);
    expect(rejectedZh.text).toContain('您的报名（或候补位置）已释放');
    expect(rejectedZh.text).toContain('Budget <too> high');
    expect(rejectedZh.html).toContain('Budget &lt;too&gt; high');
    const cancelledEn = renderEmail({ ...samples.registrationReleased, outcome: 'cancelled', reason: 'Venue flooded' }, 'en');
    expect(cancelledEn.subject).toBe(`Will not take place, registration released: ${TITLE}`);
    expect(cancelledEn.text).toContain('has been cancelled');
    expect(cancelledEn.text).not.toContain('not approved');
    expect(cancelledEn.text).toContain('Venue flooded');
    expect(cancelledEn.text).toContain('Your registration (or your place on the waitlist) has been released');
  });

  it('escapes URLs in attributes and never links a non-http URL', () => {
    const dash = renderEmail(samples.venueUnavailable, 'zh-CN');
    expect(dash.html).toContain('href="https://jinhua.example/dashboard?c=1&amp;x=2"');
    expect(dash.html).toContain('Cafe &lt;One&gt;');
    const evil = renderEmail({ ...samples.approvalReminder, actionUrl: 'javascript:alert(1)' }, 'en');
    expect(evil.html).not.toContain('href="javascript:');
    expect(evil.html).toContain('javascript:alert(1)');
  });

  it('keeps line breaks of a description as <br> in HTML', () => {
    const r = renderEmail(samples.approvalRequest, 'zh-CN');
    expect(r.html).toContain('Line one<br>&lt;b&gt;bold&lt;/b&gt;');
    expect(r.text).toContain('  Line one\n  <b>bold</b>');
  });

  it('falls back to zh-CN for an unknown locale', () => {
    const r = renderEmail(samples.cancellation, 'fr' as never);
    expect(r).toEqual(renderEmail(samples.cancellation, 'zh-CN'));
  });
});
