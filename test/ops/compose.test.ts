/**
 * docker-compose.yml and .env.example, checked without a Docker engine: the file is parsed with
 * the `yaml` package, compose's `${VAR:-default}` interpolation is done here, and the app
 * services' environment goes through the real loadConfig.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../config';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const ROOT = path.resolve(__dirname, '..', '..');
const APP_SERVICES = ['api', 'worker'] as const;

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  ports?: (string | number | { target: number; published?: string | number; host_ip?: string })[];
  restart?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** Values an operator would put in .env for the variables compose requires (`${VAR:?…}`). */
const OPERATOR_ENV: Record<string, string> = {
  POSTGRES_PASSWORD: 'a-strong-database-password',
  LINK_SECRET: 'an-operator-chosen-link-secret-0123456789abcdef',
  PAYLOAD_KEY: Buffer.alloc(32, 9).toString('base64'),
};

/** Compose's interpolation: `$$`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name?: string, op?: string, arg?: string) => {
    if (match === '$$') return '$';
    const set = name !== undefined ? vars[name] : undefined;
    if (op === ':-' || op === '-') return set !== undefined && (op === '-' || set !== '') ? set : (arg ?? '');
    if (op === ':?' || op === '?') {
      if (set === undefined || (op === ':?' && set === '')) throw new Error(`required variable ${name} not set: ${arg}`);
      return set;
    }
    return set ?? '';
  });
}

function environmentOf(service: Service, vars: Record<string, string>): Record<string, string> {
  const env = service.environment ?? {};
  const pairs: [string, string][] = Array.isArray(env)
    ? env.map((line) => {
        const eq = line.indexOf('=');
        return [line.slice(0, eq), line.slice(eq + 1)];
      })
    : Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]);
  return Object.fromEntries(pairs.map(([k, v]) => [k, interpolate(v, vars)]));
}

function dependencies(service: Service): Record<string, string | undefined> {
  const d = service.depends_on ?? [];
  return Array.isArray(d) ? Object.fromEntries(d.map((n) => [n, undefined])) : Object.fromEntries(Object.entries(d).map(([n, v]) => [n, v.condition]));
}

/** The container ports a service listens on: its healthcheck/ports/known image defaults. */
const IMAGE_PORTS: [RegExp, number[]][] = [
  [/^postgres:/, [5432]],
  [/^temporalio\/(auto-setup|server):/, [7233]],
  [/^axllent\/mailpit:/, [1025, 8025]],
  [/^temporalio\/ui:/, [8080]],
];
function portsOf(service: Service): number[] {
  const known = IMAGE_PORTS.find(([re]) => re.test(service.image ?? ''))?.[1] ?? [];
  return [...known, ...publishedPorts(service).map((p) => p.container)];
}

/** Compose's `ports:`, short (`[ip:]host:container`) or long form; no ip means every interface. */
function publishedPorts(service: Service): { hostIp: string | undefined; container: number }[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'object') return { hostIp: p.host_ip, container: p.target };
    const parts = String(p).split(':');
    return { hostIp: parts.length === 3 ? parts[0] : undefined, container: Number(parts[parts.length - 1]) };
  });
}

function serviceWithImage(services: Record<string, Service>, image: RegExp): Service {
  const found = Object.values(services).find((s) => image.test(s.image ?? ''));
  if (!found) throw new Error(`no service runs an image matching ${image}`);
  return found;
}

/** Every key config/index.ts reads: the fields of its EnvSchema. */
function configKeys(): Set<string> {
  const source = fs.readFileSync(path.join(ROOT, 'config', 'index.ts'), 'utf8');
  const start = source.indexOf('const EnvSchema = z.object({');
  const end = source.indexOf('\n});', start);
  if (start < 0 || end < 0) throw new Error('EnvSchema not found in config/index.ts');
  return new Set([...source.slice(start, end).matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1] as string));
}

describe('docker-compose.yml', () => {
  const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as Compose;
  const services = compose.services;
  const names = Object.keys(services);
  const vars = { ...OPERATOR_ENV };

  it('has the production services: PostgreSQL, Temporal on it, its UI, a mail catcher, api and worker', () => {
    expect(names).toEqual(expect.arrayContaining(['postgres', 'temporal', 'temporal-ui', 'mailpit', 'api', 'worker']));
    expect(environmentOf(services.temporal!, vars)).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres', DB_PORT: '5432' });
    for (const name of APP_SERVICES) {
      expect(services[name]!.build).toBeDefined();
    }
    expect(services.worker!.command).toEqual(['node', 'dist/worker/main.js']);
    expect(services.api!.command).toEqual(['node', 'dist/api/main.js']);
  });

  it('names only services that exist in depends_on, and every service has a health check', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const dep of Object.keys(dependencies(service))) {
        expect({ service: name, dependsOn: dep, exists: names.includes(dep) }).toEqual({ service: name, dependsOn: dep, exists: true });
      }
      const test = service.healthcheck?.test;
      expect({ service: name, healthcheck: !service.healthcheck?.disable && Array.isArray(test) ? test.length > 1 : typeof test === 'string' }).toEqual({
        service: name,
        healthcheck: true,
      });
    }
  });

  it('makes the app services wait for healthy dependencies (and for the one-shot setup to finish)', () => {
    for (const name of APP_SERVICES) {
      const deps = dependencies(services[name]!);
      for (const [dep, condition] of Object.entries(deps)) {
        const oneShot = services[dep]!.restart === 'no';
        expect({ dep, condition }).toEqual({ dep, condition: oneShot ? 'service_completed_successfully' : 'service_healthy' });
      }
      expect(Object.keys(deps)).toEqual(expect.arrayContaining(['postgres', 'temporal', 'mailpit']));
    }
  });

  it("points the app services' Temporal, database and SMTP settings at services that exist, on their ports", () => {
    for (const name of APP_SERVICES) {
      const env = environmentOf(services[name]!, vars);
      const [temporalHost, temporalPort] = (env.TEMPORAL_ADDRESS ?? '').split(':');
      expect(names).toContain(temporalHost);
      expect(portsOf(services[temporalHost!]!)).toContain(Number(temporalPort));
      expect(temporalHost).toBe('temporal');

      const db = new URL(env.DATABASE_URL ?? '');
      expect(db.protocol).toBe('postgres:');
      expect(names).toContain(db.hostname);
      expect(portsOf(services[db.hostname]!)).toContain(Number(db.port || 5432));
      const pg = environmentOf(services[db.hostname]!, vars);
      expect(decodeURIComponent(db.username)).toBe(pg.POSTGRES_USER);
      expect(decodeURIComponent(db.password)).toBe(pg.POSTGRES_PASSWORD);
      expect(db.pathname).toBe(`/${pg.POSTGRES_DB}`);

      expect(names).toContain(env.SMTP_HOST);
      expect(portsOf(services[env.SMTP_HOST!]!)).toContain(Number(env.SMTP_PORT));
    }
  });

  it('sets only keys config/index.ts accepts, with values loadConfig takes, in production mode', () => {
    const known = configKeys();
    expect(known.size).toBeGreaterThan(30);
    for (const name of APP_SERVICES) {
      const env = environmentOf(services[name]!, vars);
      const unknown = Object.keys(env).filter((k) => !known.has(k));
      expect({ service: name, unknown }).toEqual({ service: name, unknown: [] });
      const config = loadConfig(env);
      expect(config.env).toBe('production');
      expect(config.temporal.address).toBe('temporal:7233');
      expect(config.database.url).toMatch(/^postgres:\/\/.*@postgres:5432\//);
      expect(config.mail.smtp).toMatchObject({ host: 'mailpit', port: 1025, secure: false });
      expect(config.links.secret).toBe(OPERATOR_ENV.LINK_SECRET);
    }
  });

  it('publishes the mail catcher and the Temporal UI on the host loopback only: neither has a login', () => {
    for (const image of [/^axllent\/mailpit:/, /^temporalio\/ui:/]) {
      const ports = publishedPorts(serviceWithImage(services, image));
      expect(ports.length).toBeGreaterThan(0);
      expect({ image: String(image), hostIps: ports.map((p) => p.hostIp) }).toEqual({ image: String(image), hostIps: ports.map(() => '127.0.0.1') });
    }
  });

  it('has the API listen on every interface inside its container, so that its published port reaches it', () => {
    expect(publishedPorts(services.api!).map((p) => p.container)).toEqual([3000]);
    const config = loadConfig(environmentOf(services.api!, vars));
    expect(config.http.host).toBe('0.0.0.0');
    expect(config.http.port).toBe(3000);
  });

  it('refuses to start without the secrets an operator must choose', () => {
    expect(() => environmentOf(services.api!, {})).toThrow(/POSTGRES_PASSWORD|LINK_SECRET|PAYLOAD_KEY/);
    expect(() => environmentOf(services.api!, { POSTGRES_PASSWORD: 'p', LINK_SECRET: 'x'.repeat(40) })).toThrow(/PAYLOAD_KEY/);
  });

  it("registers the workflows' custom search attributes with the Temporal server", () => {
    const setup = Object.values(services).find((s) => environmentOf(s, vars).SEARCH_ATTRIBUTES !== undefined);
    expect(setup).toBeDefined();
    const registered = Object.fromEntries(
      environmentOf(setup!, vars)
        .SEARCH_ATTRIBUTES!.split(/\s+/)
        .filter(Boolean)
        .map((pair) => pair.split('=') as [string, string]),
    );
    expect(registered).toEqual(CUSTOM_SEARCH_ATTRIBUTES);
  });
});

describe('.env.example', () => {
  const text = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
  const documented = new Map([...text.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]));

  it('documents every key config/index.ts reads', () => {
    const missing = [...configKeys()].filter((k) => !documented.has(k));
    expect(missing).toEqual([]);
  });

  it('shows defaults that loadConfig accepts as they are', () => {
    const env = Object.fromEntries([...documented].filter(([k, v]) => configKeys().has(k) && v !== ''));
    expect(() => loadConfig(env)).not.toThrow();
    expect(loadConfig(env)).toEqual(loadConfig({}));
  });
});
