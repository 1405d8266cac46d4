/**
 * The API process: loads config, opens (and migrates) the database, builds its repositories, the
 * mailer and one Temporal client, and listens. Stops cleanly on SIGINT/SIGTERM.
 */
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../config';
import { createDatabase } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { createRepositories } from '../db/repositories';
import { reportDeps } from '../reports';
import { resolveLinkSecret } from '../links/secret';
import { createMailer } from '../mail/from-config';
import { createApp } from './app';
import { startDigestScheduler } from './digest-scheduler';
import { startPointsExpiry } from './points/expiry-schedule';

export interface RunningApi {
  server: Server;
  close(): Promise<void>;
}

/** Starts the API on config.http.host and config.http.port (0: any free port; see server.address()). */
export async function startApi(config: Config): Promise<RunningApi> {
  const db = createDatabase({ url: config.database.url, sqlitePath: config.database.sqlitePath });
  await migrateToLatest(db);
  const repos = createRepositories(db, { ...reportDeps(db), ledgerPolicy: config.points.policy });
  const mailer = createMailer(config);
  const linkSecret = resolveLinkSecret(config);
  const address = config.temporal.address ?? `127.0.0.1:${config.temporal.devPort}`;
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const app = createApp({ client, config, repos, linkSecret, mailer });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.http.port, config.http.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  // Every API process ticks; the digest workflow's id is derived from the day, so only one runs.
  const scheduler = startDigestScheduler({ client, config });
  // The points' daily expiry run: one workflow for every API process (it wakes itself each day).
  const expiry = startPointsExpiry(client, config);
  return {
    server,
    async close() {
      await scheduler.stop();
      await expiry;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close();
      await mailer.close?.();
      await db.destroy();
    },
  };
}

if (require.main === module) {
  const config = loadConfig();
  startApi(config).then(
    (api) => {
      console.info(`API listening on ${config.http.publicBaseUrl} (${config.http.host}:${config.http.port})`);
      const stop = () => {
        api.close().then(
          () => process.exit(0),
          (err: unknown) => {
            console.error(err);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
