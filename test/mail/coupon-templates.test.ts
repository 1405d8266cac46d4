import { renderCouponEmail } from '../../mail/coupon-templates';
import { formatDateTime } from '../../i18n/format';

describe('the coupon emails', () => {
  const coupon = {
    purpose: 'couponIssued' as const,
    recipientName: '王家<b>',
    rewardName: '电影票 & 爆米花',
    merchantName: '万达影城',
    couponCode: 'JH-7K3M-Q9TZ-AB12',
    points: 30,
    balance: 1270,
    expiresAt: '2026-06-01T04:00:00.000Z',
    familyPageUrl: 'https://jh.example/f/abc.def',
    familyPageExpiresAt: '2026-08-28T04:00:00.000Z',
  };

  test('the coupon email carries the code, where to use it, until when, the balance and the family page, in both languages', () => {
    const zh = renderCouponEmail(coupon, 'zh-CN');
    expect(zh.subject).toBe('您的兑换券：电影票 & 爆米花');
    expect(zh.text).toContain('兑换码：JH-7K3M-Q9TZ-AB12');
    expect(zh.text).toContain('请到万达影城出示下面的兑换码使用');
    expect(zh.text).toContain(`有效期至：${formatDateTime(coupon.expiresAt, 'zh-CN')}`);
    expect(zh.text).toContain('剩余积分：1,270');
    expect(zh.text).toContain('https://jh.example/f/abc.def');
    expect(zh.html).toContain('href="https://jh.example/f/abc.def"');
    expect(zh.text).toContain(`家庭主页链接有效期至 ${formatDateTime(coupon.familyPageExpiresAt, 'zh-CN')}`);
    expect(zh.html).toContain('王家&lt;b&gt;');
    expect(zh.html).not.toContain('王家<b>');
    const en = renderCouponEmail(coupon, 'en');
    expect(en.subject).toBe('Your coupon: 电影票 & 爆米花');
    expect(en.text).toContain('Show the code below at 万达影城 to use it.');
    const education = renderCouponEmail({ ...coupon, merchantName: undefined }, 'zh-CN');
    expect(education.text).toContain('请到社区兑换点出示下面的兑换码领取');
  });

  test('the merchant link email names the link’s expiry', () => {
    const m = renderCouponEmail({ purpose: 'merchantCouponLink', recipientName: '悦来书店', url: 'https://jh.example/m/x.y', linkExpiresAt: '2026-09-01T00:00:00.000Z' }, 'zh-CN');
    expect(m.subject).toBe('优惠券核销链接');
    expect(m.text).toContain('https://jh.example/m/x.y');
    expect(m.text).toContain(`链接有效期至 ${formatDateTime('2026-09-01T00:00:00.000Z', 'zh-CN')}`);
  });
});
