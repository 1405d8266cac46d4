/**
 * Every JSON route of the API, gathered from the features' folders. Each feature declares its
 * routes once with defineRoute (api/http/define-route.ts); app.ts mounts this list and generates
 * the OpenAPI document from the same list, so the router and the document cannot disagree.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Repositories } from '../db/repositories';
import { activityRoutes } from './activities/routes';
import { checkInRoutes } from './check-in/routes';
import { cycleRoutes } from './cycles/routes';
import type { Route } from './http/define-route';
import { directoryRoutes } from './people/routes';
import { pointsRoutes } from './points/routes';
import type { PeopleMail } from './registration/mail';
import { registrationRoutes } from './registration/routes';
import { tokenRoutes } from './tokens/routes';
import { surveyRoutes } from './surveys/routes';

export interface ApiRoutesDeps {
  client: Client;
  config: Config;
  repos: Repositories;
  linkSecret: string;
  /** Registration and waitlist emails (shared with the families' own pages). */
  mail: PeopleMail;
  /** Epoch ms. */
  now: () => number;
}

export function apiRoutes(deps: ApiRoutesDeps): Route[] {
  const { client, config, repos, linkSecret, mail, now } = deps;
  return [
    ...activityRoutes({ client, config, repos }),
    ...cycleRoutes({ client, config, repos }),
    ...directoryRoutes({ repos, now }),
    ...registrationRoutes({ repos, config, linkSecret, mail, now }),
    ...checkInRoutes({ repos, config, now }),
    ...pointsRoutes({ repos, now }),
    ...tokenRoutes({ repos, now }),
    ...surveyRoutes({ repos, now }),
  ];
}
