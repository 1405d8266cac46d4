/**
 * The emails of spending points, sent by the API itself (no workflow) through the outbox's one rule
 * (mail/outbox.ts `deliverRecorded`): the family's coupon (once per coupon, keyed by the redemption) and a
 * merchant's coupon-check link (once per link: a double click signs the same expiry, hence the same
 * key; a later click is a new link and a new email). A send the mail server does not take stays
 * `pending` in the outbox and is reported as such; the page says so.
 */
import type { Config } from '../../config';
import type { Repositories } from '../../db/repositories';
import type { MerchantContact } from '../../db/repositories';
import type { CouponView } from '../../db/services/coupons';
import type { CouponEmailMessage } from '../../domain/emails';
import { signFamilyPageLink, signMerchantLink } from '../../links/holder-links';
import type { Mailer } from '../../mail/mailer';
import { deliverRecorded } from '../../mail/outbox';
import { renderCouponEmail } from '../../mail/coupon-templates';
import type { Logger } from '../http/errors';

export interface CouponMailDeps {
  repos: Repositories;
  config: Config;
  mailer: Mailer;
  linkSecret: string;
  logger: Logger;
  now: () => number;
}

export type SendOutcome = 'sent' | 'alreadySent' | 'pending';

export function createCouponMail(deps: CouponMailDeps) {
  const domain = deps.config.mail.from.email.split('@')[1] ?? 'localhost';
  const base = deps.config.http.publicBaseUrl;

  async function deliver(key: string, scopeId: string, recipient: { key: string; name: string; email: string; locale: 'zh-CN' | 'en' }, message: CouponEmailMessage): Promise<SendOutcome> {
    try {
      // A relay that turns it away leaves it to the worker's retrier (mail/email-retrier.ts).
      const outcome = await deliverRecorded(
        { store: deps.repos.store, mailer: deps.mailer, messageIdDomain: domain, retryDelaysMs: deps.config.mail.retryDelaysMs },
        { key, scopeId, purpose: message.purpose, recipient, render: () => renderCouponEmail(message, recipient.locale), headers: { 'X-Email-Purpose': message.purpose } },
      );
      return outcome === 'sent' || outcome === 'alreadySent' ? outcome : 'pending';
    } catch (err) {
      deps.logger.warn('points email not sent; it stays pending in the outbox', { purpose: message.purpose, recipientKey: recipient.key, error: String(err) });
      return 'pending';
    }
  }

  return {
    /** The coupon's code to its family, with a fresh link to the family's page. */
    async sendCoupon(coupon: CouponView, balance: number): Promise<SendOutcome> {
      const family = await deps.repos.familyHome.family(coupon.familyId);
      if (!family) return 'pending';
      const page = signFamilyPageLink(family.id, deps.linkSecret, base, deps.now());
      const message: CouponEmailMessage = {
        purpose: 'couponIssued',
        recipientName: family.name,
        rewardName: coupon.rewardName,
        ...(coupon.merchantName ? { merchantName: coupon.merchantName } : {}),
        couponCode: coupon.code,
        points: coupon.points,
        balance,
        expiresAt: coupon.expiresAt,
        familyPageUrl: page.url,
        familyPageExpiresAt: page.expiresAt,
      };
      const recipient = { key: `family:${family.id}`, name: family.name, email: family.email, locale: family.locale };
      return deliver(`coupon-issued/${coupon.redemptionId}`, `family:${family.id}`, recipient, message);
    },

    /** A merchant's personal link to its coupon page. */
    async sendMerchantLink(merchant: MerchantContact): Promise<SendOutcome> {
      const link = signMerchantLink(merchant.id, deps.linkSecret, base, deps.now());
      const message: CouponEmailMessage = { purpose: 'merchantCouponLink', recipientName: merchant.name, url: link.url, linkExpiresAt: link.expiresAt };
      const recipient = { key: `merchant:${merchant.id}`, name: merchant.name, email: merchant.email, locale: merchant.locale };
      return deliver(`merchant-coupon-link/${merchant.id}/${link.expiresAt}`, `merchant:${merchant.id}`, recipient, message);
    },
  };
}

export type CouponMail = ReturnType<typeof createCouponMail>;
