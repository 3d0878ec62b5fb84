/**
 * The deployment samples in deploy/ are tested without a container engine: every command they run exists and runs,
 * every setting they pass is one the server accepts (and production mode starts with), and the compose service's
 * own environment and entry point, pointed at the real PostgreSQL and Redis, migrate, serve and pass the image's
 * health check. systemd's own verifier checks the unit; the proxy snippets forward what the server believes from a
 * trusted proxy, shown by a request carrying exactly those headers.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CONFIG_VARIABLES, checkProductionConfig, loadConfig } from '../../packages/server/src/config.ts';
import { type ServerProcess, createTestDatabase, deleteKeysWithPrefix, dialectsUnderTest, freePort, startServerProcess, stateKindsUnderTest, testRedisUrl, uniqueKeyPrefix } from '@watchword/testkit';
import { type TestApp, createTestApp } from '@watchword/testkit/app';
import { SERVER_BUNDLE, ensureServerBuild } from '../ensure-server-build.ts';
// @ts-expect-error plain .mjs without types (it must run on any old Node)
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../launch.mjs';

/**
 * The process settings a sample may pass besides the server's own: exactly the memory settings the launcher gives the
 * server (scripts/launch.mjs), so a server the samples start directly runs as `npm start` runs it.
 */
const PROCESS_SETTINGS: Record<string, string> = { NODE_OPTIONS: (SERVER_NODE_FLAGS as string[]).join(' '), ...(SERVER_ENV as Record<string, string>) };
function expectKnownSettings(settings: Record<string, string | undefined>): Record<string, string | undefined> {
  for (const [name, value] of Object.entries(PROCESS_SETTINGS)) expect(settings[name], name).toBe(value);
  const server = Object.fromEntries(Object.entries(settings).filter(([name]) => !(name in PROCESS_SETTINGS)));
  for (const name of Object.keys(server)) expect([...CONFIG_VARIABLES, 'CONFIG_FILE'], name).toContain(name);
  return server;
}

const ROOT = join(import.meta.dirname, '..', '..');
const DEPLOY = join(ROOT, 'deploy');
const read = (file: string) => readFileSync(join(DEPLOY, file), 'utf8');
const BUNDLE = relative(ROOT, SERVER_BUNDLE);

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions: continuation lines joined, comments dropped. */
function dockerfile(text: string): Instruction[] {
  const logical = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  return logical.map((line) => {
    const space = line.indexOf(' ');
    return { op: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
  });
}

/** `KEY=value` pairs of an ENV instruction (the `KEY=value KEY2=value2` form). */
function envOf(args: string): Record<string, string> {
  return Object.fromEntries(args.split(/\s+/).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as [string, string]));
}

/** Settings a real deployment would take from the secrets file: generated here, with the given services. */
function secretsConfig(services: { databaseUrl?: string; redisUrl?: string }): Record<string, string> {
  const r = spawnSync(process.execPath, [SERVER_BUNDLE, 'secrets'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const generated = Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const example = JSON.parse(read('watchword.example.json')) as Record<string, string>;
  const out: Record<string, string> = { ...example, OPAQUE_SERVER_SETUP: generated.OPAQUE_SERVER_SETUP!, SERVER_SECRET: generated.SERVER_SECRET! };
  if (services.databaseUrl) out.DATABASE_URL = services.databaseUrl;
  else delete out.DATABASE_URL;
  if (services.redisUrl) out.REDIS_URL = services.redisUrl;
  else delete out.REDIS_URL;
  // Never contacted at start-up; a closed port is enough.
  out.SMTP_URL = 'smtp://127.0.0.1:9';
  return out;
}

const tmp = mkdtempSync(join(tmpdir(), 'ww-deploy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('deploy/Dockerfile', () => {
  const steps = dockerfile(read('Dockerfile'));

  it('builds on the Node major of .nvmrc, copies files that exist, and runs only commands that exist', () => {
    const major = readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim();
    const froms = steps.filter((s) => s.op === 'FROM');
    expect(froms.length).toBe(2);
    for (const from of froms) expect(from.args).toMatch(new RegExp(`^node:${major}-`));
    for (const copy of steps.filter((s) => s.op === 'COPY' && !s.args.startsWith('--from'))) {
      const parts = copy.args.split(/\s+/);
      for (const source of parts.slice(0, -1)) expect(existsSync(join(ROOT, source)), `COPY ${source}`).toBe(true);
    }
    const workspaces = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
    for (const run of steps.filter((s) => s.op === 'RUN')) {
      for (const command of run.args.split('&&').map((c) => c.trim())) {
        const words = command.split(/\s+/);
        // No install script runs in the image (its npm may not read allowScripts): every one is denied anyway.
        if (words[0] === 'npm' && words[1] === 'ci') {
          expect(words, command).toContain('--ignore-scripts');
          continue;
        }
        if (words[0] === 'npm' && words[1] === 'prune') continue;
        if (words[0] === 'npm' && words[1] === 'run') {
          const ws = words[words.indexOf('-w') + 1]!;
          const dir = workspaces.find((w) => (JSON.parse(readFileSync(join(ROOT, w, 'package.json'), 'utf8')) as { name: string }).name === ws);
          expect(dir, `workspace ${ws}`).toBeDefined();
          const scripts = (JSON.parse(readFileSync(join(ROOT, dir!, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
          expect(scripts[words[2]!], `npm run ${words[2]} -w ${ws}`).toBeDefined();
          continue;
        }
        if (words[0] === 'node') {
          expect(existsSync(join(ROOT, words[1]!)), command).toBe(true);
          continue;
        }
        if (['mkdir', 'chown', 'chmod'].includes(words[0]!)) continue;
        throw new Error(`the Dockerfile runs a command this test does not know: ${command}`);
      }
    }
    const user = steps.filter((s) => s.op === 'USER').at(-1);
    expect(user?.args).toBe('node');
    expect(JSON.parse(steps.find((s) => s.op === 'ENTRYPOINT')!.args)).toEqual(['node', BUNDLE]);
    expect(JSON.parse(steps.find((s) => s.op === 'CMD')!.args)).toEqual(['serve']);
    expect(existsSync(join(DEPLOY, 'Dockerfile.dockerignore'))).toBe(true);
    expect(read('Dockerfile.dockerignore')).toMatch(/^\*\*\/node_modules$/m);
  });

  it('its entry point runs, and its health check passes against a ready server and fails without one', async () => {
    await ensureServerBuild();
    const healthcheck = steps.find((s) => s.op === 'HEALTHCHECK')!.args;
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[];
    expect(command[0]).toBe('node');
    const t: TestApp = await createTestApp('sqlite');
    try {
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const port = (t.app.server.address() as { port: number }).port;
      // Asynchronously: the server answers from this process.
      const run = (p: number) =>
        new Promise<number | null>((resolve) => {
          const child = execFile(process.execPath, command.slice(1), { env: { PORT: String(p) }, timeout: 20_000 });
          child.on('exit', (code) => resolve(code));
        });
      expect(await run(port)).toBe(0);
      expect(await run(await freePort())).toBe(1);
    } finally {
      await t.close();
    }
    const help = spawnSync(process.execPath, [join(ROOT, BUNDLE), '--help'], { encoding: 'utf8' });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/migrate/);
  });
});

describe('deploy/compose.yaml', () => {
  const compose = parseYaml(read('compose.yaml')) as {
    services: Record<string, { environment?: Record<string, string>; command?: string[]; volumes?: string[]; ports?: string[]; secrets?: string[]; networks?: unknown; depends_on?: Record<string, { condition: string }>; build?: { context: string; dockerfile: string } }>;
    secrets: Record<string, { file: string }>;
  };
  const image = envOf(dockerfile(read('Dockerfile')).find((s) => s.op === 'ENV')!.args);
  const watchword = compose.services.watchword!;
  const env = (domain: string) => Object.fromEntries(Object.entries(watchword.environment!).map(([k, v]) => [k, v.replace(/\$\{WATCHWORD_DOMAIN[^}]*\}/, domain)]));

  it('has Watchword, a migration step, PostgreSQL, Redis with persistence and a TLS proxy, wired together', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['caddy', 'migrate', 'postgres', 'redis', 'watchword']);
    expect(existsSync(join(DEPLOY, watchword.build!.context, watchword.build!.dockerfile))).toBe(true);
    expect(compose.services.migrate!.command).toEqual(['migrate']);
    expect(compose.services.migrate!.environment).toEqual(watchword.environment);
    expect(watchword.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    expect(compose.services.migrate!.depends_on?.postgres?.condition).toBe('service_healthy');
    // Persistence: Redis's append-only file and every data directory on a named volume.
    const redis = compose.services.redis!;
    expect(redis.command!.join(' ')).toMatch(/--appendonly yes/);
    expect(redis.volumes).toContain('redis-data:/data');
    expect(compose.services.postgres!.volumes).toContain('postgres-data:/var/lib/postgresql/data');
    expect(watchword.volumes).toContain(`watchword-data:${image.DATA_DIR}`);
    // Only the proxy is published; it is the one address the server trusts for forwarded headers.
    for (const [name, service] of Object.entries(compose.services)) if (name !== 'caddy') expect(service.ports, name).toBeUndefined();
    expect(compose.services.caddy!.ports).toContain('443:443');
    const caddyAddress = (compose.services.caddy!.networks as Record<string, { ipv4_address?: string }>).internal?.ipv4_address;
    expect(watchword.environment!.TRUSTED_PROXIES).toBe(caddyAddress);
    // Caddy forwards to the service on the port the server listens on.
    const caddyfile = read('Caddyfile');
    expect(caddyfile).toMatch(new RegExp(`reverse_proxy watchword:${watchword.environment!.PORT}\\b`));
    expect(compose.services.caddy!.volumes).toContain('./Caddyfile:/etc/caddy/Caddyfile:ro');
    for (const secret of Object.values(compose.secrets)) expect(secret.file.startsWith('./secrets/')).toBe(true);
  });

  it('passes only settings the server knows, and production mode accepts them', () => {
    const settings = expectKnownSettings({ ...image, ...env('vault.example.com') });
    for (const name of Object.keys(JSON.parse(read('watchword.example.json')) as object)) expect(CONFIG_VARIABLES, name).toContain(name);
    const file = join(tmp, 'watchword.json');
    writeFileSync(file, JSON.stringify(secretsConfig({ databaseUrl: 'postgres://watchword:pw@postgres:5432/watchword', redisUrl: 'redis://redis:6379' })));
    const config = loadConfig({ ...settings, CONFIG_FILE: file });
    expect(config.nodeEnv).toBe('production');
    expect(checkProductionConfig(config)).toEqual([]);
  });

  const services = dialectsUnderTest().includes('postgres') && stateKindsUnderTest().includes('redis');
  it.runIf(services)('its environment and entry point migrate PostgreSQL, serve, and pass the health check (real PostgreSQL and Redis)', async () => {
    await ensureServerBuild();
    const db = await createTestDatabase();
    const prefix = uniqueKeyPrefix();
    let server: ServerProcess | undefined;
    try {
      const file = join(tmp, 'stack.json');
      writeFileSync(file, JSON.stringify({ ...secretsConfig({ databaseUrl: db.url, redisUrl: testRedisUrl! }), REDIS_KEY_PREFIX: prefix }));
      const port = await freePort();
      const stackEnv = { ...image, ...env('vault.example.com'), DATA_DIR: join(tmp, 'data'), CONFIG_FILE: file, PORT: String(port), HOST: '127.0.0.1' };
      const migrate = spawnSync(process.execPath, [SERVER_BUNDLE, ...compose.services.migrate!.command!], { env: { PATH: process.env.PATH ?? '', ...stackEnv }, encoding: 'utf8', timeout: 60_000 });
      expect(migrate.status, migrate.stderr).toBe(0);
      expect(migrate.stdout).toMatch(/applied \d+ migration/);
      server = await startServerProcess(stackEnv, SERVER_BUNDLE);
      const healthcheck = dockerfile(read('Dockerfile')).find((s) => s.op === 'HEALTHCHECK')!.args;
      const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[];
      const probe = spawnSync(process.execPath, command.slice(1), { env: { PORT: String(port) }, encoding: 'utf8', timeout: 10_000 });
      expect(probe.status, server.output()).toBe(0);
      const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { status: string; checks: Record<string, string>; pools: { database: unknown } };
      expect(ready).toMatchObject({ status: 'ready', checks: { database: 'ok', state: 'ok', migrations: 'ok' } });
      // PostgreSQL (a pool) and Redis, not the embedded defaults.
      expect(ready.pools.database).not.toBeNull();
    } finally {
      await server?.stop();
      await db.drop();
      await deleteKeysWithPrefix(prefix);
    }
  });
});

describe('deploy/watchword.service', () => {
  const unit = read('watchword.service');
  const values = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);
  const environment = Object.fromEntries(values('Environment').map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]));
  const hasSystemd = spawnSync('systemd-analyze', ['--version']).status === 0;

  it('runs the server bundle from its working directory with settings the server knows', () => {
    const workdir = values('WorkingDirectory')[0]!;
    const [node, entry, command] = values('ExecStart')[0]!.split(/\s+/);
    expect(node).toBe('/usr/bin/node');
    expect(entry).toBe(BUNDLE);
    expect(command).toBe('serve');
    expect(workdir).toBe('/opt/watchword');
    const serverEnvironment = expectKnownSettings(environment);
    expect(environment.DATA_DIR).toBe(`/var/lib/${values('StateDirectory')[0]}`);
    const file = join(tmp, 'unit.json');
    writeFileSync(file, JSON.stringify(secretsConfig({})));
    const config = loadConfig({ ...serverEnvironment, CONFIG_FILE: file });
    expect(checkProductionConfig(config)).toEqual([]);
  });

  it.runIf(hasSystemd)("passes systemd's verifier, and its exposure is rated OK", () => {
    const verify = spawnSync('systemd-analyze', ['verify', '--man=no', join(DEPLOY, 'watchword.service')], { encoding: 'utf8' });
    expect(verify.status).toBe(0);
    expect(`${verify.stdout}${verify.stderr}`.trim()).toBe('');
    const security = spawnSync('systemd-analyze', ['security', '--offline=yes', join(DEPLOY, 'watchword.service')], { encoding: 'utf8' });
    const exposure = Number(/Overall exposure level for watchword\.service: ([\d.]+)/.exec(security.stdout)?.[1]);
    expect(exposure).toBeLessThanOrEqual(2);
  });
});

describe('deploy/nginx.conf', () => {
  const conf = read('nginx.conf');
  const unit = read('watchword.service');
  const setting = (name: string) => new RegExp(`^Environment=${name}=(.*)$`, 'm').exec(unit)?.[1];

  it('forwards to the unit\'s port the headers the server believes from its trusted proxy, and the server believes them', async () => {
    expect(conf).toContain(`proxy_pass http://${setting('HOST')}:${setting('PORT')};`);
    const headers = Object.fromEntries([...conf.matchAll(/proxy_set_header (\S+) (.+);/g)].map((m) => [m[1]!, m[2]!]));
    expect(headers).toMatchObject({ 'X-Forwarded-Proto': '$scheme', 'X-Forwarded-For': '$proxy_add_x_forwarded_for', 'X-Forwarded-Host': '$host' });
    // What nginx sends for an HTTPS request from 203.0.113.7 (who claims to be 10.0.0.1), to a server that trusts
    // the unit's TRUSTED_PROXIES: it counts as HTTPS (HSTS) and comes from the right-most untrusted hop.
    const t = await createTestApp('sqlite', { TRUSTED_PROXIES: setting('TRUSTED_PROXIES')! });
    try {
      const values: Record<string, string> = { $scheme: 'https', $host: 'vault.example.com', $proxy_add_x_forwarded_for: '10.0.0.1, 203.0.113.7' };
      const sent = Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('X-')).map(([name, v]) => [name.toLowerCase(), values[v] ?? v]));
      const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { host: '127.0.0.1:8080', ...sent }, remoteAddress: setting('TRUSTED_PROXIES')! });
      expect(res.statusCode).toBe(200);
      expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
      const logged = t.logs.map((l) => JSON.parse(l) as { req?: { url: string; host: string; remoteAddress: string } }).find((l) => l.req?.url === '/healthz');
      expect(logged?.req).toMatchObject({ remoteAddress: '203.0.113.7', host: 'vault.example.com' });
    } finally {
      await t.close();
    }
  });
});
