import { COUPON_STATUSES, couponExpiresAt, couponStatus, normalizeCouponCode } from '../../domain/coupons';
import { COUPON_STATUS_TERMS, LOCALES, label } from '../../domain/vocabulary';
import { catalogFor } from '../../i18n';

describe('a coupon’s status', () => {
  const expiresAt = couponExpiresAt('2026-03-01T02:00:00.000Z', 30);
  const at = (iso: string) => Date.parse(iso);

  test('is issued until its validity runs out, then expired', () => {
    expect(expiresAt).toBe('2026-03-31T02:00:00.000Z');
    expect(couponStatus({ expiresAt }, at('2026-03-31T01:59:59.999Z'))).toBe('issued');
    expect(couponStatus({ expiresAt }, at('2026-03-31T02:00:00.000Z'))).toBe('expired');
  });

  test('used and refunded are final, whatever the clock says', () => {
    expect(couponStatus({ expiresAt, event: { kind: 'used', at: '2026-03-02T00:00:00.000Z' } }, at('2027-01-01T00:00:00Z'))).toBe('used');
    expect(couponStatus({ expiresAt, event: { kind: 'refunded', at: '2026-03-02T00:00:00.000Z' } }, at('2026-03-03T00:00:00Z'))).toBe('refunded');
    // The ledger itself reversed the redemption: refunded, unless the coupon had been used first.
    expect(couponStatus({ expiresAt, entryReversed: true }, at('2026-03-03T00:00:00Z'))).toBe('refunded');
    expect(couponStatus({ expiresAt, entryReversed: true, event: { kind: 'used', at: '2026-03-02T00:00:00.000Z' } }, at('2026-03-03T00:00:00Z'))).toBe('used');
  });

  test('each status has its word in each locale, and the pages use the vocabulary’s', () => {
    for (const locale of LOCALES) {
      for (const s of COUPON_STATUSES) expect(catalogFor(locale).spending.couponStatuses[s]).toBe(label(COUPON_STATUS_TERMS, s, locale));
    }
    expect(catalogFor('zh-CN').spending.couponStatuses.issued).toBe('已发放');
  });
});

describe('a typed coupon code', () => {
  test('is read as the code on record: case, spaces, dashes and look-alike letters forgiven', () => {
    expect(normalizeCouponCode('JH-7K3M-Q9TZ-AB12')).toBe('JH-7K3M-Q9TZ-AB12');
    expect(normalizeCouponCode(' jh 7k3m q9tz ab12 ')).toBe('JH-7K3M-Q9TZ-AB12');
    expect(normalizeCouponCode('JH7K3MQ9TZABI2')).toBe('JH-7K3M-Q9TZ-AB12');
    expect(normalizeCouponCode('JH-OOOO-LLLL-IIII')).toBe('JH-0000-1111-1111');
  });

  test('anything else is no code', () => {
    for (const bad of ['', 'JH-7K3M-Q9TZ', 'XX-7K3M-Q9TZ-AB12', 'JH-7K3M-Q9TZ-AB12-9', 'JH-7K3M-Q9TZ-AB1!']) expect(normalizeCouponCode(bad)).toBeUndefined();
  });
});
