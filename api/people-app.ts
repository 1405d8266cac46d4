/**
 * Mounts people, registration, check-in and growth points: the JSON routers under /api and the
 * families' and volunteers' own pages (/s/<token>, /q/<qrToken>, /activities/<id>/register).
 * One call in app.ts, so that file stays the one place routers are put together.
 */
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Mailer } from '../mail/mailer';
import type { Config } from '../config';
import type { Repositories } from '../db/repositories';
import type { RenderEmail } from '../mail/messages';
import { createAuditLog } from './links/audit';
import type { Authenticate } from './http/auth';
import { createCheckInRouter } from './check-in/routes';
import type { Logger } from './http/errors';
import { createPeopleMail } from './registration/mail';
import { createPeopleRouter } from './people/routes';
import { createPointsRouter } from './points/routes';
import type { RateLimitOptions } from './http/rate-limit';
import { createRegistrationRouter } from './registration/routes';
import { createSelfServiceRouter } from './family/pages';

export interface PeopleAppDeps {
  client: Client;
  config: Config;
  repos: Repositories;
  authenticate: Authenticate;
  linkSecret: string;
  mailer: Mailer;
  render: RenderEmail;
  logger: Logger;
  /** Epoch ms. */
  now: () => number;
  /** Per client IP on the self-service pages. */
  pageRateLimit: RateLimitOptions;
}

export function createPeopleApp(deps: PeopleAppDeps): Router {
  const { client, config, repos, authenticate, logger, now } = deps;
  const mail = createPeopleMail({ repos, config, client, mailer: deps.mailer, render: deps.render, logger });
  const router = Router();
  router.use(createPeopleRouter({ repos, authenticate }));
  router.use(createRegistrationRouter({ repos, config, authenticate, linkSecret: deps.linkSecret, mail, now }));
  router.use(createCheckInRouter({ repos, config, authenticate, now }));
  router.use(createPointsRouter({ repos, authenticate, now }));
  router.use(
    createSelfServiceRouter({
      repos,
      config,
      linkSecret: deps.linkSecret,
      mail,
      mailer: deps.mailer,
      render: deps.render,
      audit: createAuditLog(repos, now, logger),
      logger,
      now,
      rateLimit: deps.pageRateLimit,
    }),
  );
  return router;
}
