import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { isLoopbackHost } from '@watchword/protocol';
import { ConfigError } from './operator-errors.ts';

/**
 * Server configuration: read from the environment (and an optional JSON file named by CONFIG_FILE,
 * whose keys are the same variable names; the environment wins), validated once, frozen.
 * Secrets are never printed: see redactConfig().
 */
export interface Config {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly publicUrl: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  /** Allowed clock skew when checking token times (iat, exp, nbf), seconds. */
  readonly clockToleranceSeconds: number;
  /** JWS algorithm of new access-token signing keys (the first key, and `ww-server keys rotate` by default). */
  readonly accessTokenAlg: 'RS256' | 'ES256' | 'EdDSA';
  /** How long a rotated signing key is published in JWKS before it signs, seconds (lets JWKS caches catch up). */
  readonly keyActivationDelaySeconds: number;
  /** A session unused this long ends (refresh refused). */
  readonly refreshIdleTimeoutSeconds: number;
  /** How long a just-rotated refresh token still yields the same successor (concurrent tabs, retries). */
  readonly refreshReuseGraceSeconds: number;
  readonly bodyLimitBytes: number;
  readonly dbPoolSize: number;
  /** Audit events older than this many days are deleted by the retention job (audit/retention.ts). */
  readonly auditRetentionDays: number;
  /** Longest wait for a PostgreSQL connection (opening one, or a free one from the pool), milliseconds. */
  readonly dbConnectTimeoutMs: number;
  /** PostgreSQL statement_timeout of every pooled connection, milliseconds (0: none). */
  readonly dbStatementTimeoutMs: number;
  /** Client-side bound on every PostgreSQL query, milliseconds (0: none): a stalled server answers 503 by then. */
  readonly dbQueryTimeoutMs: number;
  /** How long /readyz waits for each of its checks before reporting it failed, milliseconds. */
  readonly readyzTimeoutMs: number;
  /** How long a shutdown waits for requests in flight before closing their connections, seconds. */
  readonly shutdownTimeoutSeconds: number;
  /** A pooled PostgreSQL connection is recycled (closed and replaced) once this old, seconds (0: never). */
  readonly dbPoolMaxLifetimeSeconds: number;
  /** Redis: each command fails (503 STATE_UNAVAILABLE) when unanswered this long, milliseconds. */
  readonly redisCommandTimeoutMs: number;
  /** Redis: longest wait for the connection to open (at start-up and on each reconnect), milliseconds. */
  readonly redisConnectTimeoutMs: number;
  /** Bearer token for GET /metrics on the API listener (32+ characters); unset: that route does not exist. */
  readonly metricsToken: string | undefined;
  /** Port of a separate listener that serves only /metrics (outside the production guards); unset: none. */
  readonly metricsPort: number | undefined;
  /**
   * RSS above which the server runs a major GC after every 8 MiB of large requests and answers and once when quiet, MB
   * (http/memory-bound.ts); undefined: 1.25 × the RSS when the server became ready; 0: never.
   */
  readonly memorySoftLimitMb: number | undefined;
  /** Address of the metrics listener. */
  readonly metricsHost: string;
  /** OPAQUE server setup given as a secret (else a key file in dataDir). */
  readonly opaqueServerSetup: string | undefined;
  /** 32+ byte server secret, base64url (else a key file in dataDir). */
  readonly serverSecret: string | undefined;
  /** Every session must be DPoP-bound (login and refresh without a proof are refused). */
  readonly dpopRequired: boolean;
  /** DPoP proofs must carry a server-issued nonce (RFC 9449 §8). */
  readonly dpopRequireNonce: boolean;
  /**
   * Whether administration (every permission beyond account:self) needs a session signed in with a second factor.
   * ADMIN_SECOND_FACTOR=auto (the default) is `required` in production mode and `optional` otherwise.
   */
  readonly adminSecondFactor: 'required' | 'optional';
  /**
   * Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (CIDRs). Empty: forwarded headers are
   * ignored entirely and the client is the socket's peer.
   */
  readonly trustedProxies: readonly string[];
  /** Prefix of every Redis key, so several deployments can share one Redis. */
  readonly redisKeyPrefix: string;
  /** Key-stretching profiles the server accepts at registration. */
  readonly allowedKdfVersions: readonly number[];
  /** Origins (scheme://host[:port]) that may call the API from a browser; empty: CORS closed. */
  readonly corsOrigins: readonly string[];
  /**
   * Browser-extension origins (`chrome-extension://<id>`, `moz-extension://<uuid>`) whose WebAuthn assertions are
   * accepted for PUBLIC_URL's relying party: the Watchword extension signs in with a security key from its popup.
   */
  readonly webauthnExtensionOrigins: readonly string[];
  /** Host names besides PUBLIC_URL's that production mode answers to (lower case, no port). */
  readonly allowedHosts: readonly string[];
  /** Add `preload` to HSTS (only sent over HTTPS). */
  readonly hstsPreload: boolean;
  /** PEM certificate chain and private key files for native TLS (both or neither). */
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  /** Volume limits and credential throttling; 'off' is for development and benchmarks only (refused in production). */
  readonly rateLimits: 'on' | 'off';
  /** Requests per minute per client IP to the auth class (login, registration, refresh). */
  readonly rateLimitAuthPerMinute: number;
  /** Requests per minute per user (per IP on public routes) to the write class. */
  readonly rateLimitWritePerMinute: number;
  /** Requests per minute per user (per IP on public routes) to the read class. */
  readonly rateLimitReadPerMinute: number;
  /** Organisations (issue 25): members (invitations included) per organisation. */
  readonly orgMaxMembers: number;
  /** Organisations: shared vaults per organisation. */
  readonly orgMaxVaults: number;
  /** Organisations: invitations one organisation may send per hour (counted in the state store, every instance together). */
  readonly orgInvitesPerHour: number;
  /** Credential attempts per account+IP before exponential backoff starts. */
  readonly loginFreeAttempts: number;
  /** Credential attempts per account (all IPs together) before exponential backoff starts. */
  readonly loginAccountFreeAttempts: number;
  /** First backoff delay, seconds; it doubles with every further attempt. */
  readonly loginBackoffBaseSeconds: number;
  /** Backoff cap, seconds: throttling never becomes a lockout. */
  readonly loginBackoffMaxSeconds: number;
  /** Failed attempts are counted in fixed windows of this many seconds. */
  readonly loginFailureWindowSeconds: number;
  /** Failed credential attempts from one IP (all accounts) within loginIpBlockWindowSeconds that block the IP. */
  readonly loginIpBlockFailures: number;
  readonly loginIpBlockWindowSeconds: number;
  /** smtp:// or smtps:// URL (credentials allowed, redacted when printed); unset: mail goes to mailOutboxDir. */
  readonly smtpUrl: string | undefined;
  /** From address of every mail (default watchword@<PUBLIC_URL host>). */
  readonly mailFrom: string;
  /** Where mail is written when SMTP_URL is unset (default DATA_DIR/outbox). */
  readonly mailOutboxDir: string;
  /** How long a blocked IP is refused on every credential path, seconds. */
  readonly loginIpBlockSeconds: number;
  /** The built web vault (`npm run build -w @watchword/web`), served at `/`; default apps/web/dist of this checkout. */
  readonly webVaultDir: string;
}

/**
 * apps/web/dist of this checkout: three levels up from this file in the sources (packages/server/src) and from the
 * bundle `npm start` runs (packages/server/dist/main.mjs; scripts/ensure-server-build.ts), which sit at the same depth.
 */
export const DEFAULT_WEB_VAULT_DIR = resolve(import.meta.dirname, '..', '..', '..', 'apps', 'web', 'dist');

export { ConfigError };

type Source = Record<string, string | undefined>;

interface Field<T> {
  env: string;
  parse(raw: string | undefined): T;
  secret?: boolean;
}

const int = (env: string, fallback: number, min: number, max: number): Field<number> => ({
  env,
  parse(raw) {
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw)) throw new ConfigError(`${env} must be a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new ConfigError(`${env} must be between ${min} and ${max}, got ${n}`);
    return n;
  },
});

const optionalInt = (env: string, min: number, max: number): Field<number | undefined> => ({
  env,
  parse: (raw) => (raw === undefined || raw === '' ? undefined : int(env, 0, min, max).parse(raw)),
});

const str = (env: string, fallback: string | undefined, check?: (v: string) => string | undefined, secret = false): Field<string | undefined> => ({
  env,
  secret,
  parse(raw) {
    const v = raw === undefined || raw === '' ? fallback : raw;
    if (v !== undefined && check) {
      const problem = check(v);
      if (problem) throw new ConfigError(`${env} ${problem}`);
    }
    return v;
  },
});

const bool = (env: string, fallback: boolean): Field<boolean> => ({
  env,
  parse(raw) {
    if (raw === undefined || raw === '') return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new ConfigError(`${env} must be true or false, got "${raw}"`);
  },
});

const oneOf = <T extends string>(env: string, fallback: T, values: readonly T[]): Field<T> => ({
  env,
  parse(raw) {
    const v = raw === undefined || raw === '' ? fallback : raw;
    if (!(values as readonly string[]).includes(v)) throw new ConfigError(`${env} must be one of ${values.join(', ')}, got "${v}"`);
    return v as T;
  },
});

/** A comma-separated list, each entry trimmed (and normalised), checked and the whole frozen. */
function list(env: string, check: (v: string) => string | undefined, normalise: (v: string) => string = (v) => v): Field<readonly string[]> {
  return {
    env,
    parse(raw) {
      if (raw === undefined || raw.trim() === '') return Object.freeze([]);
      const entries = raw.split(',').map((v) => normalise(v.trim()));
      for (const entry of entries) {
        const problem = check(entry);
        if (problem) throw new ConfigError(`${env} ${problem}`);
      }
      return Object.freeze(entries);
    },
  };
}

function isCidr(value: string): boolean {
  const [address, bits, extra] = value.split('/');
  if (extra !== undefined || address === undefined) return false;
  const version = isIP(address);
  if (version === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (version === 4 ? 32 : 128);
}

function urlCheck(protocols: string[]) {
  return (v: string) => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      return 'is not a valid URL';
    }
    return protocols.includes(u.protocol) ? undefined : `must use ${protocols.join(' or ')}`;
  };
}

const FIELDS = {
  nodeEnv: oneOf('NODE_ENV', 'development', ['development', 'production', 'test'] as const),
  port: int('PORT', 8080, 0, 65535),
  host: str('HOST', '127.0.0.1', (v) => (/^[A-Za-z0-9.:[\]-]+$/.test(v) ? undefined : 'is not a host name or address')),
  dataDir: str('DATA_DIR', './data'),
  databaseUrl: str('DATABASE_URL', undefined, urlCheck(['postgres:', 'postgresql:']), true),
  redisUrl: str('REDIS_URL', undefined, urlCheck(['redis:', 'rediss:']), true),
  publicUrl: str('PUBLIC_URL', undefined, urlCheck(['http:', 'https:'])),
  logLevel: oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
  accessTokenTtlSeconds: int('ACCESS_TOKEN_TTL', 900, 60, 3600),
  clockToleranceSeconds: int('CLOCK_TOLERANCE', 30, 0, 300),
  refreshTokenTtlSeconds: int('REFRESH_TOKEN_TTL', 30 * 24 * 3600, 3600, 365 * 24 * 3600),
  accessTokenAlg: oneOf('ACCESS_TOKEN_ALG', 'RS256', ['RS256', 'ES256', 'EdDSA'] as const),
  keyActivationDelaySeconds: int('KEY_ACTIVATION_DELAY', 600, 0, 7 * 24 * 3600),
  refreshIdleTimeoutSeconds: int('REFRESH_IDLE_TIMEOUT', 7 * 24 * 3600, 300, 365 * 24 * 3600),
  refreshReuseGraceSeconds: int('REFRESH_REUSE_GRACE', 10, 0, 60),
  bodyLimitBytes: int('BODY_LIMIT', 1024 * 1024, 1024, 64 * 1024 * 1024),
  dbPoolSize: int('DB_POOL_SIZE', 30, 1, 1000),
  auditRetentionDays: int('AUDIT_RETENTION_DAYS', 365, 1, 3650),
  dbConnectTimeoutMs: int('DB_CONNECT_TIMEOUT', 5000, 100, 600_000),
  dbStatementTimeoutMs: int('DB_STATEMENT_TIMEOUT', 30_000, 0, 3_600_000),
  dbQueryTimeoutMs: int('DB_QUERY_TIMEOUT', 5000, 0, 3_600_000),
  readyzTimeoutMs: int('READYZ_TIMEOUT', 2000, 100, 60_000),
  shutdownTimeoutSeconds: int('SHUTDOWN_TIMEOUT', 10, 1, 3600),
  dbPoolMaxLifetimeSeconds: int('DB_POOL_MAX_LIFETIME', 1800, 0, 7 * 24 * 3600),
  redisCommandTimeoutMs: int('REDIS_COMMAND_TIMEOUT', 2000, 50, 600_000),
  redisConnectTimeoutMs: int('REDIS_CONNECT_TIMEOUT', 5000, 100, 600_000),
  // Metrics (README "Monitoring"): never public — a bearer token, or a listener of their own.
  metricsToken: str('METRICS_TOKEN', undefined, (v) => (/^[A-Za-z0-9._~+/-]{32,}=*$/.test(v) ? undefined : 'must be at least 32 characters of A-Z a-z 0-9 . _ ~ + / - (e.g. `openssl rand -base64 32`)'), true),
  metricsPort: optionalInt('METRICS_PORT', 0, 65535),
  memorySoftLimitMb: optionalInt('MEMORY_SOFT_LIMIT_MB', 0, 1_048_576),
  metricsHost: str('METRICS_HOST', '127.0.0.1', (v) => (/^[A-Za-z0-9.:[\]-]+$/.test(v) ? undefined : 'is not a host name or address')),
  opaqueServerSetup: str('OPAQUE_SERVER_SETUP', undefined, (v) => (/^[A-Za-z0-9_-]{100,400}$/.test(v) ? undefined : 'is not an OPAQUE server setup (base64url)'), true),
  serverSecret: str('SERVER_SECRET', undefined, (v) => (/^[A-Za-z0-9_-]{43,}$/.test(v) ? undefined : 'must be at least 32 random bytes, base64url'), true),
  dpopRequired: bool('DPOP_REQUIRED', false),
  dpopRequireNonce: bool('DPOP_REQUIRE_NONCE', false),
  adminSecondFactor: oneOf('ADMIN_SECOND_FACTOR', 'auto', ['auto', 'required', 'optional'] as const),
  redisKeyPrefix: str('REDIS_KEY_PREFIX', 'ww:', (v) => (/^[A-Za-z0-9_:.-]{1,64}$/.test(v) ? undefined : 'may hold letters, digits and _ : . - (at most 64)')),
  trustedProxies: {
    env: 'TRUSTED_PROXIES',
    parse(raw: string | undefined): string[] {
      if (raw === undefined || raw.trim() === '') return [];
      const list = raw.split(',').map((v) => v.trim());
      for (const cidr of list) {
        if (!isCidr(cidr)) throw new ConfigError(`TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDRs, got "${cidr}"`);
      }
      return list;
    },
  },
  // Throttling and volume limits (security spec "Brute force" and "API"; defaults documented in the README).
  rateLimits: oneOf('RATE_LIMITS', 'on', ['on', 'off'] as const),
  rateLimitAuthPerMinute: int('RATE_LIMIT_AUTH_PER_MINUTE', 20, 1, 1e9),
  rateLimitWritePerMinute: int('RATE_LIMIT_WRITE_PER_MINUTE', 120, 1, 1e9),
  rateLimitReadPerMinute: int('RATE_LIMIT_READ_PER_MINUTE', 600, 1, 1e9),
  orgMaxMembers: int('ORG_MAX_MEMBERS', 100, 2, 10_000),
  orgMaxVaults: int('ORG_MAX_VAULTS', 50, 1, 1000),
  orgInvitesPerHour: int('ORG_INVITES_PER_HOUR', 50, 1, 10_000),
  loginFreeAttempts: int('LOGIN_FREE_ATTEMPTS', 5, 1, 1e9),
  loginAccountFreeAttempts: int('LOGIN_ACCOUNT_FREE_ATTEMPTS', 10, 1, 1e9),
  loginBackoffBaseSeconds: int('LOGIN_BACKOFF_BASE', 1, 1, 3600),
  // Capped at a day so that per-account throttling can never amount to a permanent lockout (NIST SP 800-63B §5.2.2).
  loginBackoffMaxSeconds: int('LOGIN_BACKOFF_MAX', 900, 1, 86_400),
  loginFailureWindowSeconds: int('LOGIN_FAILURE_WINDOW', 86_400, 60, 30 * 86_400),
  loginIpBlockFailures: int('LOGIN_IP_BLOCK_FAILURES', 50, 1, 1e9),
  loginIpBlockWindowSeconds: int('LOGIN_IP_BLOCK_WINDOW', 900, 60, 86_400),
  loginIpBlockSeconds: int('LOGIN_IP_BLOCK_DURATION', 900, 1, 86_400),
  // Headers and transport (SECURITY.md "Headers", "In transit"; README "TLS").
  corsOrigins: list('CORS_ORIGINS', (v) => {
    if (v === '*') return 'must list exact origins; "*" is never allowed';
    let u: URL | undefined;
    try {
      u = new URL(v);
    } catch {
      // reported below
    }
    return u && (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === v ? undefined : `must be origins like https://app.example.com (no path, no trailing slash), got "${v}"`;
  }),
  webauthnExtensionOrigins: list('WEBAUTHN_EXTENSION_ORIGINS', (v) =>
    /^chrome-extension:\/\/[a-p]{32}$|^moz-extension:\/\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v)
      ? undefined
      : `must be extension origins like chrome-extension://<32 letters a-p> or moz-extension://<uuid>, got "${v}"`,
  ),
  allowedHosts: list('ALLOWED_HOSTS', (v) => (/^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)$/.test(v) ? undefined : `must be host names without port, got "${v}"`), (v) => v.toLowerCase()),
  hstsPreload: bool('HSTS_PRELOAD', false),
  tlsCert: str('TLS_CERT', undefined),
  // E-mail (README "E-mail"): SMTP when configured, else an outbox directory — never silently dropped.
  smtpUrl: str('SMTP_URL', undefined, urlCheck(['smtp:', 'smtps:']), true),
  mailFrom: str('MAIL_FROM', undefined, (v) => (/^[^\r\n]{3,254}$/.test(v) && v.includes('@') ? undefined : 'must be an e-mail address (optionally "Name <address>")')),
  mailOutboxDir: str('MAIL_OUTBOX_DIR', undefined),
  webVaultDir: str('WEB_VAULT_DIR', undefined),
  tlsKey: str('TLS_KEY', undefined),
  allowedKdfVersions: {
    env: 'ALLOWED_KDF_VERSIONS',
    parse(raw: string | undefined): number[] {
      const v = raw === undefined || raw === '' ? '1' : raw;
      if (!/^\d+(,\d+)*$/.test(v)) throw new ConfigError(`ALLOWED_KDF_VERSIONS must be a comma-separated list of numbers, got "${v}"`);
      return v.split(',').map(Number);
    },
  },
} as const;

export const CONFIG_VARIABLES = Object.values(FIELDS).map((f) => f.env);

function readFileSource(path: string): Source {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`CONFIG_FILE ${path} could not be read as JSON (${(error as Error).message.split('\n')[0]})`, 'WW_CONFIG_FILE_INVALID');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`CONFIG_FILE ${path} must hold a JSON object`, 'WW_CONFIG_FILE_INVALID');
  const out: Source = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!CONFIG_VARIABLES.includes(key)) throw new ConfigError(`CONFIG_FILE ${path} has an unknown setting "${key}"`, 'WW_CONFIG_FILE_INVALID');
    if (typeof value !== 'string' && typeof value !== 'number') throw new ConfigError(`CONFIG_FILE ${path}: ${key} must be a string or number`, 'WW_CONFIG_FILE_INVALID');
    out[key] = String(value);
  }
  return out;
}

/** Validates and freezes the configuration; throws ConfigError with a one-line message. */
export function loadConfig(env: Source = process.env): Config {
  const source: Source = { ...(env.CONFIG_FILE ? readFileSource(env.CONFIG_FILE) : {}), ...env };
  const values: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(FIELDS)) values[key] = (field as Field<unknown>).parse(source[field.env]);
  const port = values.port as number;
  const host = values.host as string;
  if ((values.loginBackoffBaseSeconds as number) > (values.loginBackoffMaxSeconds as number)) {
    throw new ConfigError('LOGIN_BACKOFF_BASE must not exceed LOGIN_BACKOFF_MAX');
  }
  if (values.metricsPort !== undefined && values.metricsPort !== 0 && values.metricsPort === port) throw new ConfigError('METRICS_PORT must differ from PORT');
  if ((values.tlsCert === undefined) !== (values.tlsKey === undefined)) throw new ConfigError('TLS_CERT and TLS_KEY must be set together (file paths) or not at all');
  if (values.adminSecondFactor === 'auto') values.adminSecondFactor = values.nodeEnv === 'production' ? 'required' : 'optional';
  values.dataDir = resolve(values.dataDir as string);
  values.publicUrl = ((values.publicUrl as string | undefined) ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  values.mailFrom = (values.mailFrom as string | undefined) ?? `Watchword <watchword@${new URL(values.publicUrl as string).hostname.replace(/^\[|\]$/g, '')}>`;
  values.mailOutboxDir = resolve((values.mailOutboxDir as string | undefined) ?? join(values.dataDir as string, 'outbox'));
  values.webVaultDir = resolve((values.webVaultDir as string | undefined) ?? DEFAULT_WEB_VAULT_DIR);
  const config = Object.freeze({
    ...values,
    allowedKdfVersions: Object.freeze(values.allowedKdfVersions as number[]),
    trustedProxies: Object.freeze(values.trustedProxies as string[]),
  }) as Config;
  const unsafe = checkProductionConfig(config);
  if (unsafe.length > 0) throw new ConfigError(`NODE_ENV=production refuses to start: ${unsafe.join('; ')}`, 'WW_CONFIG_PRODUCTION_UNSAFE');
  return config;
}

/** A copy safe to print or log: secrets replaced, passwords in URLs masked. */
export function redactConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(FIELDS) as [keyof Config, Field<unknown>][]) {
    const value = config[key];
    if (value === undefined || !field.secret) out[key] = value;
    else if (key === 'databaseUrl' || key === 'redisUrl' || key === 'smtpUrl') out[key] = maskUrl(String(value));
    else out[key] = '[redacted]';
  }
  return out;
}

/**
 * A connection URL without its secrets: the password of `user:password@`, and every query parameter whose name says
 * it holds one (pg reads `?password=`, ioredis merges query parameters into its options, TLS keys can be named there).
 */
function maskUrl(value: string): string {
  const u = new URL(value);
  if (u.password) u.password = '[redacted]';
  for (const name of [...u.searchParams.keys()]) {
    if (/pass|secret|token|key|auth|cred/i.test(name)) u.searchParams.set(name, '[redacted]');
  }
  return u.toString();
}

// Production mode (`NODE_ENV=production`): what the server refuses at start-up. The request guards of production
// mode (HTTPS redirect, Host check) are in http/production.ts.

/** At least this many distinct byte values in a 32+ byte secret: random bytes have ~30; `AAAA…` has one. */
const MIN_DISTINCT_SECRET_BYTES = 16;

/**
 * Everything that makes a production configuration unsafe, one phrase each (empty: safe to start).
 * Pure: no I/O, so `loadConfig` can call it and the start-up tests can name each refusal.
 */
export function checkProductionConfig(config: Config): string[] {
  if (config.nodeEnv !== 'production') return [];
  const problems: string[] = [];
  if (new URL(config.publicUrl).protocol !== 'https:') problems.push('PUBLIC_URL must be an https:// URL');
  if (config.tlsCert === undefined && config.trustedProxies.length === 0) {
    // Without either, no request can ever count as HTTPS: everything but the probes would be redirected forever.
    problems.push('HTTPS is needed: set TLS_CERT and TLS_KEY (native TLS) or TRUSTED_PROXIES (a proxy that terminates TLS)');
  }
  if (config.logLevel === 'debug' || config.logLevel === 'trace') problems.push(`LOG_LEVEL ${config.logLevel} is debug output (use info or quieter)`);
  if (config.allowedKdfVersions.includes(0)) problems.push('ALLOWED_KDF_VERSIONS must not contain 0 (the test-only key-stretching profile)');
  if (config.serverSecret === undefined) problems.push('SERVER_SECRET must be supplied as a secret (32+ random bytes, base64url), not generated into DATA_DIR');
  else if (isWeakSecret(config.serverSecret)) problems.push('SERVER_SECRET is not random enough (use 32 bytes from a CSPRNG, e.g. `ww-server secrets`)');
  // Decision: the OPAQUE setup is supplied too. Generated into DATA_DIR it would sit beside the SQLite file and in
  // the same volume backups, undoing "a database dump alone does not allow offline guessing".
  if (config.opaqueServerSetup === undefined) problems.push('OPAQUE_SERVER_SETUP must be supplied as a secret, not generated into DATA_DIR');
  // Verification, recovery and security notifications must reach people: an outbox on the server's disk does not.
  if (config.smtpUrl === undefined) problems.push('SMTP_URL must be set (without it mail only reaches the outbox directory)');
  if (config.rateLimits === 'off') problems.push('RATE_LIMITS=off disables brute-force throttling and volume limits');
  // Metrics must not be public: a guessable token, or a metrics listener on a reachable address without one, would be.
  if (config.metricsToken !== undefined && new Set(config.metricsToken).size < MIN_DISTINCT_TOKEN_CHARACTERS) {
    problems.push('METRICS_TOKEN is not random enough (use e.g. `openssl rand -base64 32`)');
  }
  if (config.metricsPort !== undefined && config.metricsToken === undefined && !isLoopbackHost(config.metricsHost)) {
    problems.push(`METRICS_HOST ${config.metricsHost} is reachable from other machines: set METRICS_TOKEN too, or bind the metrics listener to 127.0.0.1`);
  }
  const plainOrigins = config.corsOrigins.filter((origin) => !origin.startsWith('https://'));
  if (plainOrigins.length > 0) problems.push(`CORS_ORIGINS must be https:// origins (${plainOrigins.join(', ')})`);
  return problems;
}

/** A random 32-character token has ~25 distinct characters (hex: 15–16); `aaaa…` or `abab…` has one or two. */
const MIN_DISTINCT_TOKEN_CHARACTERS = 10;

function isWeakSecret(base64url: string): boolean {
  const bytes = Buffer.from(base64url, 'base64url');
  return bytes.length < 32 || new Set(bytes).size < MIN_DISTINCT_SECRET_BYTES;
}
