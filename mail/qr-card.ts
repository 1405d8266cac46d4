/**
 * A family's card in an email: the QR code as an inline PNG part, which the HTML shows by its
 * Content-ID (`<img src="cid:…">`), so mail clients that block remote images still show it and
 * nothing is fetched from our server. The PNG is drawn when the email is sent, from the card's URL
 * (domain/card.ts `qrCardUrl`), and is never stored.
 */
import QRCode from 'qrcode';
import type { EmailAttachment } from './mailer';

/** The Content-ID of the card's image part; the email's HTML points at it. */
export const QR_CARD_CID = 'family-card-qr@cogov';

/** The QR code of `text` as a PNG: error correction M, 8 px a module, the standard 4-module quiet zone. */
export function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', scale: 8, margin: 4 });
}

/** The card's QR code as the inline image part the HTML's `cid:` names. */
export async function qrCardAttachment(cardUrl: string): Promise<EmailAttachment> {
  return { filename: 'card.png', contentType: 'image/png', content: await qrPng(cardUrl), cid: QR_CARD_CID };
}
