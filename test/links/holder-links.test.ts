import { signActionToken } from '../../links/action-token';
import { readFamilyPageToken, readMerchantToken, signFamilyPageLink, signMerchantLink } from '../../links/holder-links';

const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
const NOW = Date.parse('2026-04-20T10:00:00Z');
const DAY = 86_400_000;

describe('family page and merchant links', () => {
  it('a family page link reads back its family for 180 days, then says expired', () => {
    const link = signFamilyPageLink('f-wang', SECRET, 'https://jh.example/', NOW);
    expect(link.url).toBe(`https://jh.example/f/${link.token}`);
    expect(link.expiresAt).toBe(new Date(NOW + 180 * DAY).toISOString());
    expect(readFamilyPageToken(link.token, SECRET, NOW + 179 * DAY)).toEqual({ kind: 'ok', id: 'f-wang', expiresAt: link.expiresAt });
    expect(readFamilyPageToken(link.token, SECRET, NOW + 180 * DAY)).toEqual({ kind: 'expired', id: 'f-wang' });
  });

  it('a merchant link opens only the merchant page, and a family link only the family page', () => {
    const m = signMerchantLink('m-wanda', SECRET, 'https://jh.example', NOW);
    const f = signFamilyPageLink('f-wang', SECRET, 'https://jh.example', NOW);
    expect(readMerchantToken(m.token, SECRET, NOW)).toMatchObject({ kind: 'ok', id: 'm-wanda' });
    expect(readFamilyPageToken(m.token, SECRET, NOW)).toEqual({ kind: 'invalid' });
    expect(readMerchantToken(f.token, SECRET, NOW)).toEqual({ kind: 'invalid' });
  });

  it('another step’s token, a tampered token or another secret is invalid', () => {
    const checkIn = signActionToken({ v: 1, wf: 'family-page', step: 'checkIn', round: 0, rcp: 'family:f-wang', act: ['view'], exp: NOW / 1000 + 60 }, SECRET);
    expect(readFamilyPageToken(checkIn, SECRET, NOW)).toEqual({ kind: 'invalid' });
    const f = signFamilyPageLink('f-wang', SECRET, 'https://jh.example', NOW);
    expect(readFamilyPageToken(`${f.token}x`, SECRET, NOW)).toEqual({ kind: 'invalid' });
    expect(readFamilyPageToken(f.token, `${SECRET}-other`, NOW)).toEqual({ kind: 'invalid' });
    const volunteer = signActionToken({ v: 1, wf: 'family-page', step: 'family', round: 0, rcp: 'volunteer:v1', act: ['view'], exp: NOW / 1000 + 60 }, SECRET);
    expect(readFamilyPageToken(volunteer, SECRET, NOW)).toEqual({ kind: 'invalid' });
  });
});
