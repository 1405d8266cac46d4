/**
 * The landing page at `/`: what the product is and where each person goes. Staff sign in; families,
 * volunteers and merchants never do (their emailed links and the compounds' QR codes are their way
 * in). Simplified Chinese by default, English with ?lang=en, remembered in the same cookie as the
 * staff pages' choice, so the sign-in page that follows speaks the language picked here.
 */
import { Router } from 'express';
import type { Config } from '../../config';
import { catalogFor } from '../../i18n';
import { html } from '../http/html';
import { otherLanguageHref, publicPage } from '../http/layout';
import { cookiePolicy, staffLocale } from '../http/session';

export function createHomeRouter(config: Config): Router {
  const router = Router();
  const policy = cookiePolicy(config);
  router.get('/', (req, res) => {
    const locale = staffLocale(req, res, policy, config.http.defaultLocale);
    const { links: s, home: h } = catalogFor(locale);
    const body = html`<div class="card"><h1>${h.title}</h1><p>${h.intro}</p></div><div class="card"><h2>${h.staffHeading}</h2><p>${h.staffBody}</p><div class="buttons"><a class="button" href="/sign-in">${h.signIn}</a></div></div><div class="card"><h2>${h.familiesHeading}</h2><p>${h.familiesBody}</p></div><div class="card"><h2>${h.merchantsHeading}</h2><p>${h.merchantsBody}</p></div><p class="notice">${h.scriptsNote} <a href="/api/docs">${h.apiDocs}</a></p>`;
    // The language may come from a cookie: a shared cache must not hand one person's choice to another.
    res.setHeader('Vary', 'Cookie');
    res.setHeader('Cache-Control', 'private, no-cache');
    res.type('html').send(publicPage({ s, title: h.title, body, otherLanguageHref: otherLanguageHref(req.originalUrl, s.otherLanguage.lang) }));
  });
  return router;
}
