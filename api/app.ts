/**
 * The Express app: the landing page at /, the JSON API under /api, action links under /a, /healthz, and the dev mailbox's
 * pages when the caller runs one (never in production). `createApp(deps)` only builds it; main.ts
 * listens.
 */
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Config } from '../config';
import type { Repositories } from '../db/repositories';
import type { Mailer } from '../mail/mailer';
import type { RenderEmail } from '../mail/messages';
import { renderEmail } from '../mail/templates';
import { actionLinkErrorPages, createActionLinkRouter } from './links/routes';
import { createAuditLog } from './links/audit';
import { createAuthenticator } from './http/auth';
import { createDashboardRouter } from './dashboard';
import { mountRoutes, unknownMethodNotAllowed } from './http/define-route';
import { consoleLogger, errorHandler, notFoundJson, type Logger } from './http/errors';
import { sendOutagePage } from './http/outage-page';
import { createSelfServiceRouter } from './family/pages';
import { createFamilyHomeRouter } from './family/home-page';
import { createMerchantCouponsRouter } from './points/merchant-coupons-page';
import { healthHandler } from './health';
import { createHomeRouter } from './home/pages';
import { docsPage, openApiDocument } from './http/openapi';
import { createPeopleMail } from './registration/mail';
import { apiRoutes } from './routes';
import type { RateLimitOptions } from './http/rate-limit';
import { SessionStore, cookiePolicy } from './http/session';
import { temporalCodecRouter } from './temporal-codec/routes';
import { createSignInRouter } from './sign-in/routes';
import { createAssetsRouter } from './check-in/assets';
import { createCardLinkRouter } from './check-in/desk-routes';
import { createSurveyPagesRouter } from './surveys/family-pages';

export interface AppDeps {
  /** One client per process, shared by every request. */
  client: Client;
  config: Config;
  /** The database, through its repositories (built once by the caller). */
  repos: Repositories;
  /** Signs and checks action links (LINK_SECRET, or the development one). */
  linkSecret: string;
  /** Sends fresh action links. */
  mailer: Mailer;
  /**
   * The development mailbox's pages (`createDevMailboxRouter(...)`), mounted at /dev/mailbox.
   * They have no login, so a production app never mounts them, whatever it is given.
   */
  devMailbox?: Router;
  /** The clock, for tests (epoch ms). */
  now?: () => number;
  logger?: Logger;
  render?: RenderEmail;
  /** Per client IP on /a/ (default 30 a minute). */
  linkRateLimit?: RateLimitOptions;
  /** Per client IP on the POSTs that ask for a sign-in link (default 10 a minute; using a link has its own bucket of this size). */
  signInRateLimit?: RateLimitOptions;
  /** Per client IP on sign-in page loads and link opens (default 120 a minute). */
  signInPageRateLimit?: RateLimitOptions;
  /** Sign-in links sent per address (default 3, then 1 every 5 minutes). */
  signInAddressLimit?: RateLimitOptions;
  /** The Temporal payload codec, for the Temporal UI's codec endpoint (/codec); without it, no endpoint. */
  payloadCodec?: PayloadCodec;
  /** Express "trust proxy", when behind a reverse proxy (default off: req.ip is the socket's address). */
  trustProxy?: boolean | number | string;
}

export function createApp(deps: AppDeps): Express {
  const { config, client, repos } = deps;
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? consoleLogger;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? deps.config.http.trustProxyHops);

  app.use(
    helmet({
      referrerPolicy: { policy: 'no-referrer' },
      contentSecurityPolicy: {
        directives: {
          // Pages have no script at all; forms post only to this origin.
          'script-src': ["'none'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
          // On a plain-http development address, do not ask browsers to upgrade.
          'upgrade-insecure-requests': config.http.publicBaseUrl.startsWith('https:') ? [] : null,
        },
      },
      strictTransportSecurity: config.http.publicBaseUrl.startsWith('https:'),
    }),
  );

  app.get('/healthz', healthHandler({ client, repos, logger }));
  // What the product is, and where each person goes.
  app.use(createHomeRouter(config));

  const render = deps.render ?? renderEmail;
  const mail = createPeopleMail({ repos, config, client, mailer: deps.mailer, render, logger, linkSecret: deps.linkSecret });
  const routes = apiRoutes({ client, config, repos, linkSecret: deps.linkSecret, mail, now });

  // The document is the same for everyone and names no person: it may be cached.
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument(config.http.publicBaseUrl, routes));
  });
  app.get('/api/docs', (_req, res) => {
    res.type('html').send(docsPage(openApiDocument(config.http.publicBaseUrl, routes)));
  });

  // Every other /api answer is for one member of staff and most name families, volunteers or
  // staff: no shared cache or browser may keep any of them, errors included. One rule for the
  // whole prefix, so a new route cannot forget it.
  app.use('/api', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(mountRoutes(createAuthenticator(config.staffTokens, { repo: repos.apiTokens, now }), routes));
  app.use('/api', unknownMethodNotAllowed);

  // The product's own client scripts (/static/: the QR decoder, the scanner, the check-in desk).
  app.use(createAssetsRouter());
  // One session store for every router that reads the staff's sign-in.
  const sessions = new SessionStore(repos.sessions, { now });
  // A card's /q/<token> opened by signed-in desk staff lands on the desk; anyone else falls through to the family's page below.
  app.use(createCardLinkRouter({ repos, config, now, logger, sessions }));
  // A family's own page (/f/, and /s/<token>/family leading there); before the /s/ pages.
  app.use(
    createFamilyHomeRouter({ repos, config, linkSecret: deps.linkSecret, logger, now, rateLimit: deps.linkRateLimit ?? { capacity: 120, perMinute: 120 } }),
  );
  // A merchant's coupon page (/m/): check a code, mark it used once.
  app.use(
    createMerchantCouponsRouter({ repos, config, linkSecret: deps.linkSecret, audit: createAuditLog(repos, now, logger), logger, now, rateLimit: deps.linkRateLimit ?? { capacity: 30, perMinute: 30 } }),
  );

  // A family's survey page (/survey/<token>): consent, the items, one submit, withdraw. Families may
  // answer together from a venue's one Wi-Fi address: the address gets the family pages' ceiling.
  app.use(createSurveyPagesRouter({ repos, config, linkSecret: deps.linkSecret, logger, now, audit: createAuditLog(repos, now, logger), rateLimit: deps.linkRateLimit ?? { capacity: config.familyPages.perIpPerMinute, perMinute: config.familyPages.perIpPerMinute } }));

  // The families' and volunteers' own pages (/s/, /q/, /activities/:id/register).
  app.use(
    createSelfServiceRouter({
      repos,
      config,
      linkSecret: deps.linkSecret,
      mail,
      mailer: deps.mailer,
      render,
      audit: createAuditLog(repos, now, logger),
      logger,
      now,
      // Families check in from the venue's shared Wi-Fi (one address): each link has its own bucket,
      // and the address only a generous ceiling (config FAMILY_LINK_RATE_PER_MINUTE, FAMILY_PAGES_IP_RATE_PER_MINUTE).
      rateLimit: { capacity: config.familyPages.perIpPerMinute, perMinute: config.familyPages.perIpPerMinute },
      perLinkLimit: { capacity: config.familyPages.perLinkPerMinute, perMinute: config.familyPages.perLinkPerMinute },
      ...(deps.linkRateLimit ? { badLinkLimit: deps.linkRateLimit, otherPagesLimit: deps.linkRateLimit } : {}),
    }),
  );

  app.use(
    '/a',
    createActionLinkRouter({
      client,
      config,
      repos,
      linkSecret: deps.linkSecret,
      mailer: deps.mailer,
      render,
      audit: createAuditLog(repos, now, logger),
      logger,
      now,
      rateLimit: deps.linkRateLimit ?? { capacity: 30, perMinute: 30 },
    }),
  );

  // Staff sign-in by emailed link, and the dashboard behind it (HTML pages with their own error pages).
  app.use(
    createSignInRouter({
      config,
      repos,
      linkSecret: deps.linkSecret,
      mailer: deps.mailer,
      sessions,
      logger,
      now,
      ...(deps.signInRateLimit ? { rateLimit: deps.signInRateLimit } : {}),
      ...(deps.signInPageRateLimit ? { pageRateLimit: deps.signInPageRateLimit } : {}),
      ...(deps.signInAddressLimit ? { perAddressLimit: deps.signInAddressLimit } : {}),
    }),
  );
  if (deps.payloadCodec) app.use('/codec', temporalCodecRouter({ codec: deps.payloadCodec, sessions, policy: cookiePolicy(config), config }));
  app.use('/dashboard', createDashboardRouter({ client, config, repos, sessions, logger, now, mail, linkSecret: deps.linkSecret, mailer: deps.mailer }));

  if (deps.devMailbox && config.env !== 'production') app.use('/dev/mailbox', deps.devMailbox);

  app.use(notFoundJson);
  app.use(errorHandler(logger, actionLinkErrorPages(config), sendOutagePage));
  return app;
}
