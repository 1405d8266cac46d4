import { lastDayBefore, renderPointsExpiring } from '../../mail/points-templates';

describe('the points-expiring notice', () => {
  const message = { recipientName: '刘家 <b>', expiresAt: '2026-12-31T16:00:00.000Z', points: 1200, balance: 1500 };
  const now = Date.parse('2026-12-02T00:00:00.000Z');

  it('names the last day the points can be used (the day before the local midnight they expire at)', () => {
    expect(lastDayBefore('2026-12-31T16:00:00.000Z')).toBe('2026-12-31');
    expect(lastDayBefore('2027-12-31T16:00:00.000Z')).toBe('2027-12-31');
  });

  it('says in Chinese how many points expire after which day, and the balance; the name is escaped in HTML', () => {
    const email = renderPointsExpiring(message, 'zh-CN', now);
    expect(email.subject).toBe('【积分到期提醒】您有 1,200 成长积分将于12月31日（周四）后过期');
    expect(email.text).toContain('刘家 <b>，您好');
    expect(email.text).toContain('您家有 1,200 成长积分可以使用到北京时间12月31日（周四），之后将自动过期。');
    expect(email.text).toContain('您家目前共有 1,500 成长积分。');
    expect(email.html).toContain('刘家 &lt;b&gt;');
    expect(email.html).not.toContain('<b>');
  });

  it('says it in English for a family that reads English', () => {
    const email = renderPointsExpiring({ ...message, recipientName: 'The Lins' }, 'en', now);
    expect(email.subject).toMatch(/^Points expiring: 1,200 growth points expire after .*31/);
    expect(email.text).toContain('Dear The Lins,');
    expect(email.text).toContain('Your family has 1,500 growth points in all.');
  });
});
