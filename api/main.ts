/**
 * The API process: loads config, opens (and migrates) the database, builds its repositories, the
 * mailer and one Temporal client, and listens. Stops cleanly on SIGINT/SIGTERM.
 */
import type { Server } from 'node:http';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { loadConfig, type Config } from '../config';
import { openDatabase } from '../db/open';
import { encryptedDataConverter, payloadCodecFrom } from '../lib/payload-codec';
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
export async function startApi(config: Config, log: (line: string) => void = console.info): Promise<RunningApi> {
  const db = await openDatabase(config.database, log);
  const repos = createRepositories(db, { ...reportDeps(db), ledgerPolicy: config.points.policy });
  const mailer = createMailer(config);
  const linkSecret = resolveLinkSecret(config);
  const address = config.temporal.address ?? `127.0.0.1:${config.temporal.devPort}`;
  // Lazy: the door (check-in, the family's pages, sign-in) needs only the database, so the API
  // listens while Temporal is down; what needs Temporal answers 503 until it is back.
  // A person waits for the answer: a few quick retries ride out a restart's blip, then 503 with
  // Retry-After (the SDK's default, ten attempts, kept a family at the door waiting ~20 s).
  const connection = Connection.lazy({ address, connectTimeout: '3s', interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 4 }))] });
  const payloadCodec = payloadCodecFrom({ ...config.payloadKeys, dataDir: config.dataDir });
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: encryptedDataConverter(payloadCodec) });
  const app = createApp({ client, config, repos, linkSecret, mailer, payloadCodec });
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
