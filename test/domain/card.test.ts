import { cardCodeOf, normalizeCardCode, qrCardUrl } from '../../domain/card';

describe('the card code printed under a QR code', () => {
  it('is the token’s first eight characters in two groups', () => {
    expect(cardCodeOf('7k3mq9tzabcdefgh1234')).toBe('7K3M-Q9TZ');
    expect(cardCodeOf('qa')).toBe('QA');
  });

  it('reads what a person typed the way Crockford base32 does', () => {
    expect(normalizeCardCode(' 7k3m - q9tz ')).toBe('7K3MQ9TZ');
    expect(normalizeCardCode('OIL0')).toBe('0110');
    expect(normalizeCardCode('')).toBeUndefined();
    expect(normalizeCardCode('7K3M-Q9TZ-X')).toBeUndefined();
    expect(normalizeCardCode('7K3M/Q9TZ')).toBeUndefined();
  });

  it('points the QR code at the card page', () => {
    expect(qrCardUrl('https://x.example/', 'TOKEN123')).toBe('https://x.example/q/TOKEN123');
  });
});
