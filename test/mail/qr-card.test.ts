import { PNG } from 'pngjs';
import { qrCardAttachment } from '../../mail/qr-card';
import { emailAttachments } from '../../mail/attachments';
import { decodeQrPng } from '../support/qr-decode';

describe('the card’s QR image', () => {
  test('is a PNG that decodes to the card’s URL, as the inline part the HTML names', async () => {
    const url = 'https://jinhua.example/q/7K3MQ9TZABCDEFGHJKMN';
    const a = await qrCardAttachment(url);
    expect(a).toMatchObject({ filename: 'card.png', contentType: 'image/png', cid: 'family-card-qr@cogov' });
    const png = PNG.sync.read(a.content as Buffer);
    expect(png.width).toBeGreaterThan(100);
    expect(decodeQrPng(a.content as Buffer)).toBe(url);
  });

  test('a confirmation carries the card and the calendar file; a staff reminder carries nothing', async () => {
    const activity = { activityId: 'a1', title: 'T', theme: 't', compound: '东苑', startsAt: '2026-05-01T01:00:00Z', endsAt: '2026-05-01T03:00:00Z' };
    const files = await emailAttachments({
      purpose: 'registrationConfirmed',
      recipientName: '刘家',
      activity,
      members: 2,
      description: '',
      card: { url: 'https://x.example/q/TOKEN1234', code: 'TOKE-N123' },
      checkInUrl: 'https://x.example/s/c',
      checkInExpiresAt: '2026-05-01T03:30:00Z',
      cancelUrl: 'https://x.example/s/r',
      calendar: { uid: 'a1.f1@x.example', stampedAt: '2026-04-01T00:00:00Z', location: '东苑活动室' },
    });
    expect(files.map((f) => f.filename)).toEqual(['card.png', 'activity.ics']);
    expect(decodeQrPng(files[0]!.content as Buffer)).toBe('https://x.example/q/TOKEN1234');
    expect(await emailAttachments({ purpose: 'reminder', recipientName: 'x', activity, leadTimeMs: 1 })).toEqual([]);
  });
});
