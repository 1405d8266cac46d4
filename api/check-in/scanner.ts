/**
 * The camera scanner (client/qr-scan.js) on any staff or merchant page: its markup, its scripts and
 * the two headers it needs (our own scripts allowed, the camera for this origin only). The desk
 * has its own larger layout of the same contract; the rewards counter and the merchant's coupon
 * page use this.
 */
import type { Response } from 'express';
import type { Locale } from '../../domain/schemas';
import { catalogFor } from '../../i18n';
import { html, type RawHtml } from '../http/html';
import { allowOwnScripts, assetPath } from './assets';

/** Markup for a scanner that writes into the input `targetId` and submits its form; call once per page. */
export function cameraScanner(res: Response, locale: Locale, targetId: string): { markup: RawHtml; scripts: RawHtml } {
  allowOwnScripts(res);
  res.setHeader('Permissions-Policy', 'camera=(self)');
  const s = catalogFor(locale).checkInDesk.scan;
  return {
    markup: html`<div data-qr-scanner data-target="${targetId}"><div class="buttons"><button type="button" data-qr-start>${s.start}</button><button type="button" data-qr-stop hidden>${s.stop}</button></div><p class="error" data-qr-error hidden>${s.noCamera}</p><video data-qr-video hidden style="max-width:100%"></video></div>`,
    scripts: html`<script src="${assetPath('jsqr.js')}"></script><script src="${assetPath('qr-scan.js')}"></script>`,
  };
}
