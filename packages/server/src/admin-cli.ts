/**
 * `ww-server admin …`: role bootstrap on the server host. There are no default credentials: the first
 * owner is an account that registered normally and was then given the owner role here, by someone with access to
 * the host and its database. Works straight on the configured database (DATA_DIR or DATABASE_URL) — no HTTP, no
 * login — and audits every change with actor null and context `{ via: 'host' }`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_ROLE, normaliseEmail } from '@watchword/protocol';
import { KEEP_AN_OWNER } from './rbac/permissions.ts';
import type { AuditAction } from './audit/audit.ts';
import type { Config } from './config.ts';
import { openStorage } from './storage/index.ts';
import { SQLITE_FILE_NAME } from './storage/sqlite-file.ts';
import type { AuditEventRecord } from './storage/audit.ts';
import type { Storage } from './storage/types.ts';
import type { UserSummary } from './storage/users.ts';
import { OperatorError } from './operator-errors.ts';

export const ADMIN_USAGE = `usage: ww-server admin <command>

commands:
  grant --email ADDRESS --role ROLE    give an account a role; the first owner: --role owner
  revoke --email ADDRESS --role ROLE   take a role away (the last active owner keeps the owner role)
  users [--search TEXT] [--json]       list the accounts with their status and roles

Runs on the server host against the configured database (DATA_DIR or DATABASE_URL): no HTTP, no login.
The account must exist first (\`ww register\`). Built-in roles: user < auditor < admin < owner.
Exit codes: 0 done (or nothing to change), 1 usage error or refused, 2 configuration error, 3 no such account or role.`;


interface Parsed {
  email?: string;
  role?: string;
  search?: string;
  json: boolean;
}

function parseArgs(command: string, args: readonly string[], allowed: readonly (keyof Parsed)[]): Parsed {
  const out: Parsed = { json: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const name = flag === '--email' ? 'email' : flag === '--role' ? 'role' : flag === '--search' ? 'search' : flag === '--json' ? 'json' : undefined;
    if (name === undefined || !allowed.includes(name)) {
      throw new OperatorError('WW_ADMIN_USAGE', `admin ${command}: unknown ${arg.startsWith('-') ? 'option' : 'argument'} "${arg}" (see ww-server admin --help)`);
    }
    if (name === 'json') {
      if (inline !== undefined) throw new OperatorError('WW_ADMIN_USAGE', `admin ${command}: --json takes no value`);
      out.json = true;
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || value === '' || (inline === undefined && value.startsWith('--'))) throw new OperatorError('WW_ADMIN_USAGE', `admin ${command}: ${flag} needs a value`);
    out[name] = value;
  }
  return out;
}

function required(command: string, parsed: Parsed): { email: string; role: string } {
  if (parsed.email === undefined || parsed.role === undefined) throw new OperatorError('WW_ADMIN_USAGE', `admin ${command}: --email ADDRESS and --role ROLE are required`);
  const email = normaliseEmail(parsed.email);
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254) throw new OperatorError('WW_ADMIN_USAGE', `admin ${command}: "${parsed.email}" is not an e-mail address`);
  return { email, role: parsed.role };
}

async function hostAudit(storage: Storage, now: number, action: AuditAction, targetId: string, outcome: AuditEventRecord['outcome'], context: AuditEventRecord['context']): Promise<void> {
  await storage.audit.append({
    id: randomUUID(),
    at: now,
    actorId: null,
    action,
    targetId,
    ip: '',
    userAgent: 'ww-server admin',
    outcome,
    requestId: randomUUID(),
    context: { via: 'host', ...context },
  });
}

async function accountAndRole(storage: Storage, command: string, email: string, role: string): Promise<UserSummary> {
  const user = await storage.users.findByEmail(email);
  if (!user) throw new OperatorError('WW_ADMIN_NOT_FOUND', `admin ${command}: no account with the address ${email} (register it first: ww register --email ${email})`);
  const roles = (await storage.roles.list()).map((r) => r.name);
  if (!roles.includes(role)) throw new OperatorError('WW_ADMIN_NOT_FOUND', `admin ${command}: no role "${role}" (roles: ${roles.join(', ')})`);
  const summary = await storage.users.summary(user.id);
  if (!summary) throw new OperatorError('WW_ADMIN_NOT_FOUND', `admin ${command}: no account with the address ${email}`);
  return summary;
}

async function grant(storage: Storage, args: readonly string[], now: number): Promise<string> {
  const { email, role } = required('grant', parseArgs('grant', args, ['email', 'role']));
  const user = await accountAndRole(storage, 'grant', email, role);
  const result = await storage.roles.grant(user.id, role, null, now);
  if (result === 'exists') return `${email} already holds the role ${role}\n`;
  if (result !== 'granted') throw new OperatorError('WW_ADMIN_NOT_FOUND', `admin grant: ${result === 'no_user' ? `no account with the address ${email}` : `no role "${role}"`}`);
  await hostAudit(storage, now, 'admin.role_granted', user.id, 'success', { role });
  const disabled = user.disabledAt === null ? '' : ' (the account is disabled: enable it with `ww admin enable` to use it)';
  return `granted the role ${role} to ${email}${disabled}\n`;
}

async function revoke(storage: Storage, args: readonly string[], now: number): Promise<string> {
  const { email, role } = required('revoke', parseArgs('revoke', args, ['email', 'role']));
  if (role === BASE_ROLE) throw new OperatorError('WW_ADMIN_REFUSED', `admin revoke: every account holds the role ${BASE_ROLE}; it cannot be taken away`);
  const user = await accountAndRole(storage, 'revoke', email, role);
  if (!user.roles.includes(role)) return `${email} does not hold the role ${role}\n`;
  if ((await storage.roles.revoke(user.id, role, KEEP_AN_OWNER)) === 'last_holder') {
    await hostAudit(storage, now, 'admin.role_revoked', user.id, 'denied', { role, reason: 'last_owner' });
    throw new OperatorError('WW_ADMIN_REFUSED', `admin revoke: ${email} is the last active owner; grant the owner role to another account first`);
  }
  await hostAudit(storage, now, 'admin.role_revoked', user.id, 'success', { role });
  return `revoked the role ${role} from ${email}\n`;
}

const time = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

async function users(storage: Storage, args: readonly string[]): Promise<string> {
  const parsed = parseArgs('users', args, ['search', 'json']);
  const all: UserSummary[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await storage.users.search({ query: parsed.search, after, limit: 500 });
    all.push(...page);
    const last = page.at(-1);
    if (page.length < 500 || !last) break;
    after = last.email;
  }
  if (parsed.json) {
    const rows = all.map((u) => ({
      id: u.id,
      email: u.email,
      createdAt: u.createdAt,
      lastLoginAt: u.lastLoginAt,
      status: u.disabledAt === null ? 'active' : 'disabled',
      emailVerified: u.emailVerified,
      factors: { totp: u.totp, webauthnKeys: u.webauthnKeys },
      roles: u.roles,
    }));
    return `${JSON.stringify(rows)}\n`;
  }
  if (all.length === 0) return parsed.search === undefined ? 'no accounts yet\n' : 'no matching accounts\n';
  const rows = [['EMAIL', 'STATUS', 'ROLES', 'CREATED', 'LAST LOGIN']];
  // Addresses are user input: control characters are shown, never sent to the terminal.
  const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  for (const u of all) rows.push([clean(u.email), u.disabledAt === null ? 'active' : 'disabled', u.roles.join(','), time(u.createdAt), time(u.lastLoginAt)]);
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return `${rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()).join('\n')}\n`;
}

/** Opens the configured database, refusing to create one or to run on an unmigrated schema. */
async function openExisting(config: Config): Promise<Storage> {
  if (config.databaseUrl === undefined && !existsSync(join(config.dataDir, SQLITE_FILE_NAME))) {
    throw new OperatorError('WW_ADMIN_DATABASE_MISSING', `admin: no database in ${config.dataDir} (DATA_DIR): start the server there once, and register the account, first`);
  }
  const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2, connectTimeoutMs: config.dbConnectTimeoutMs });
  try {
    const pending = await storage.pendingMigrations();
    if (pending.length > 0) throw new OperatorError('WW_ADMIN_DATABASE_MISSING', `admin: the database needs ${pending.length} migration(s); run \`ww-server migrate\` (or start the server) first`);
    return storage;
  } catch (error) {
    await storage.close();
    throw error;
  }
}

/** Runs `ww-server admin <args>`; returns what to print. Throws OperatorError (one line, an exit code). */
export async function runAdminCommand(args: readonly string[], config: Config, now = Date.now()): Promise<string> {
  const [command, ...rest] = args;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return `${ADMIN_USAGE}\n`;
  if (command !== 'grant' && command !== 'revoke' && command !== 'users') throw new OperatorError('WW_ADMIN_USAGE', `admin: unknown command "${command}" (use grant, revoke or users)`);
  // Usage errors before the database is touched.
  if (command === 'users') parseArgs(command, rest, ['search', 'json']);
  else required(command, parseArgs(command, rest, ['email', 'role']));
  const storage = await openExisting(config);
  try {
    if (command === 'grant') return await grant(storage, rest, now);
    if (command === 'revoke') return await revoke(storage, rest, now);
    return await users(storage, rest);
  } finally {
    await storage.close();
  }
}
