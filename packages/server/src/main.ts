import { randomBytes } from 'node:crypto';
import { OWNER_ROLE, ensureOpaqueReady, opaqueServer, toBase64Url } from '@watchword/protocol';
import { runAdminCommand } from './admin-cli.ts';
import { build } from './app.ts';
import { startAuditRetention } from './audit/retention.ts';
import { loadConfig, redactConfig } from './config.ts';
import { type MetricsListener, createMetrics, listenMetrics, metricsEnabled } from './http/metrics.ts';
import { runKeysCommand } from './keys/rotate.ts';
import { OperatorError } from './operator-errors.ts';
import { openRuntime } from './runtime.ts';
import { openStorage } from './storage/index.ts';

const USAGE = `usage: ww-server <command>

commands:
  serve     run the server (default); the embedded SQLite database is migrated automatically
  migrate   apply pending database migrations and exit
  config    print the effective configuration with secrets redacted
  keys      list, rotate or prune the access-token signing keys (ww-server keys --help)
  secrets   print a new OPAQUE_SERVER_SETUP and SERVER_SECRET for your secret manager (production needs both)
  admin     on this host: grant or revoke roles (the first owner) and list accounts (ww-server admin --help)
  backup    write a sealed backup: the SQLite database (online) and the secrets it needs (ww-server backup --help)
  restore   restore such a backup into an empty data directory (ww-server restore --help)`;

/** How often a shutting-down server closes the keep-alive connections that have become idle. */
const IDLE_SWEEP_MS = 100;
/** After SHUTDOWN_TIMEOUT, how long the closing of the database and state store may still take. */
const FORCED_EXIT_GRACE_MS = 2000;

/** One clear line on stderr and a non-zero exit; never a stack trace. */
function fail(message: string, code = 1): never {
  process.stderr.write(`ww-server: ${message}\n`);
  process.exit(code);
}

async function serve(): Promise<void> {
  const config = loadConfig();
  const runtime = await openRuntime(config, { migrate: config.databaseUrl === undefined });
  const metrics = await createMetrics({ enabled: metricsEnabled(config), storage: runtime.storage });
  const app = await build(config, runtime, { metrics });
  // Audit retention (AUDIT_RETENTION_DAYS): now, then every 6 hours; an unref'd timer, stopped on shutdown.
  const retention = startAuditRetention({ storage: runtime.storage, retentionDays: config.auditRetentionDays, now: runtime.clock ?? Date.now, log: app.log });
  let metricsListener: MetricsListener | undefined;
  let closing = false;
  /**
   * Stops accepting connections, lets the requests in flight finish (new requests on open connections get 503),
   * then closes the database and the state store and exits 0. Keep-alive connections are closed as soon as they are
   * idle — those idle now and those whose request completes later; otherwise one idle client would hold the process
   * for the keep-alive timeout (72 s). After SHUTDOWN_TIMEOUT the remaining connections are cut, and the exit code
   * is 1. A repeated signal changes nothing (a terminal's Ctrl-C reaches the wrapper and the server both, and the
   * wrapper forwards it too).
   */
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    retention.stop();
    app.log.info({ signal, timeoutSeconds: config.shutdownTimeoutSeconds }, 'shutting down');
    const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
    let forced = false;
    const deadline = setTimeout(() => {
      forced = true;
      app.log.warn('shutdown timed out: closing the connections of requests still in flight');
      app.server.closeAllConnections();
      // Whatever still holds the process (a stalled database's close) gets a moment, then the process ends anyway.
      setTimeout(() => process.exit(1), FORCED_EXIT_GRACE_MS).unref();
    }, config.shutdownTimeoutSeconds * 1000);
    const exit = (code: number) => {
      clearInterval(sweep);
      clearTimeout(deadline);
      process.exit(forced ? 1 : code);
    };
    void app
      .close()
      .then(() => metricsListener?.close())
      .then(runtime.close)
      .then(
        () => exit(0),
        (error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed');
          exit(1);
        },
      );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  await app.listen({ port: config.port, host: config.host });
  if (config.metricsPort !== undefined) {
    metricsListener = await listenMetrics(metrics, { port: config.metricsPort, host: config.metricsHost, token: config.metricsToken });
    app.log.info({ host: config.metricsHost, port: metricsListener.port }, 'metrics listener ready');
  }
  app.log.info({ config: redactConfig(config), database: runtime.storage.dialect, state: runtime.state.kind, tls: runtime.tls !== undefined }, 'Watchword is ready');
  // No default credentials: nobody administers the server until the owner role is granted on this host.
  if ((await runtime.storage.roles.holders(OWNER_ROLE, false)) === 0) {
    app.log.warn('no account holds the owner role yet: register one, then run `ww-server admin grant --email ADDRESS --role owner` on this host');
  }
}

/** `ww-server secrets`: fresh values in env-file form, to go straight into a secret manager (never into a log). */
async function secrets(): Promise<void> {
  await ensureOpaqueReady();
  process.stdout.write(`OPAQUE_SERVER_SETUP=${opaqueServer.createServerSetup()}\nSERVER_SECRET=${toBase64Url(randomBytes(32))}\n`);
}

async function migrate(): Promise<void> {
  const config = loadConfig();
  // No statement timeout: a migration may rightly run longer than any request.
  const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2, connectTimeoutMs: config.dbConnectTimeoutMs });
  try {
    const applied = await storage.migrateToLatest();
    process.stdout.write(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await storage.close();
  }
}

/** `ww-server admin …`: role bootstrap on the host (admin-cli.ts); one line and its exit code on failure. */
async function admin(args: string[]): Promise<void> {
  const config = loadConfig();
  let output: string;
  try {
    output = await runAdminCommand(args, config);
  } catch (error) {
    if (error instanceof OperatorError && error.code.startsWith('WW_ADMIN_')) fail(error.line, error.exitCode);
    throw error;
  }
  process.stdout.write(output);
}

/** `ww-server backup|restore …` (backup/cli.ts): a failure is one line naming the command, with its code's exit code. */
async function backupOrRestore(command: 'backup' | 'restore', args: string[]): Promise<void> {
  const config = loadConfig();
  const { runBackupCommand } = await import('./backup/cli.ts');
  let output: string;
  try {
    output = await runBackupCommand(command, args, config);
  } catch (error) {
    if (error instanceof OperatorError && /^WW_(BACKUP|RESTORE)_/.test(error.code)) fail(`${command}: ${error.line}`, error.exitCode);
    throw error;
  }
  process.stdout.write(output);
}

/** `ww-server keys …`: every failure but a configuration error is one line naming the sub-command, exit code 1. */
function keys(args: string[]): void {
  const config = loadConfig();
  let output: string;
  try {
    output = runKeysCommand(args, config);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    fail(message?.startsWith('keys') ? message : `keys: ${message}`, error instanceof OperatorError ? error.exitCode : 1);
  }
  process.stdout.write(output);
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'serve';
  if (command === 'serve') return serve();
  if (command === 'migrate') return migrate();
  if (command === 'keys') return keys(argv.slice(1));
  if (command === 'admin') return admin(argv.slice(1));
  if (command === 'secrets') return secrets();
  if (command === 'backup' || command === 'restore') return backupOrRestore(command, argv.slice(1));
  if (command === 'config') {
    process.stdout.write(`${JSON.stringify(redactConfig(loadConfig()), null, 2)}\n`);
    return;
  }
  if (command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  throw new OperatorError('WW_USAGE', `unknown command "${command}"`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof OperatorError) fail(error.code === 'WW_USAGE' ? `${error.line}\n${USAGE}` : error.line, error.exitCode);
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  fail(`cannot start: ${message}`);
});
