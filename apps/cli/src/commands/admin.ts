/**
 * `ww admin …`: the admin API from the terminal (accounts, roles, settings, audit log). Needs a login whose account
 * holds an admin role (auditor, admin, owner or a custom one); the vault stays locked — admins never see its contents.
 * Accounts are named by e-mail address and resolved to ids through the users search (exact match).
 */
import { renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { AdminClient } from '@watchword/client';
import { type AdminUser, type AuditEvent, type AuditFilters, type AuditOutcome, PERMISSIONS, WatchwordError, isPermission, normaliseEmail } from '@watchword/protocol';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { clean, renderTable } from '../output.ts';

type Ctx = (cmd: Command) => CliContext;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const OUTCOMES: readonly AuditOutcome[] = ['success', 'failure', 'denied'];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A point in time: an ISO 8601 date/time, or a duration back from now (`90s`, `15m`, `24h`, `7d`, `2w`). */
export function parseTime(value: string, option: string, now = Date.now()): number {
  const duration = /^(\d{1,9})([smhdw])$/.exec(value.trim());
  if (duration) return Math.max(0, now - Number(duration[1]) * (UNITS[duration[2] ?? 's'] ?? 1000));
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(at) || at < 0) throw new CliError(`${option}: give an ISO date/time (2026-01-31 or 2026-01-31T12:00:00Z) or a duration like 24h, 7d`, EXIT.usage);
  return at;
}

const time = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface FilterOptions {
  since?: string;
  until?: string;
  action?: string;
  actor?: string;
  target?: string;
  outcome?: string;
}

function withFilters(cmd: Command): Command {
  return cmd
    .option('--since <when>', 'from this time: ISO date/time, or a duration back from now (24h, 7d)')
    .option('--until <when>', 'before this time (same forms)')
    .option('--action <action>', 'one action, e.g. auth.login, admin.user_disabled')
    .option('--actor <email>', 'events by this account (an e-mail address or an account id)')
    .option('--target <email>', 'events about this account (an e-mail address or an account id)')
    .option('--outcome <outcome>', 'success, failure or denied');
}

/** An account id from an address (exact match through the search) or an id given as it is. */
async function accountId(admin: AdminClient, value: string): Promise<string> {
  if (UUID_RE.test(value)) return value;
  return (await admin.userByEmail(value)).id;
}

async function filtersFrom(admin: AdminClient, opts: FilterOptions): Promise<AuditFilters> {
  const filters: AuditFilters = {};
  if (opts.since !== undefined) filters.since = parseTime(opts.since, '--since');
  if (opts.until !== undefined) filters.until = parseTime(opts.until, '--until');
  if (opts.action !== undefined) {
    if (!/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/.test(opts.action)) throw new CliError('--action: give an action like auth.login or admin.user_disabled', EXIT.usage);
    filters.action = opts.action;
  }
  if (opts.outcome !== undefined) {
    if (!OUTCOMES.includes(opts.outcome as AuditOutcome)) throw new CliError(`--outcome: one of ${OUTCOMES.join(', ')}`, EXIT.usage);
    filters.outcome = opts.outcome as AuditOutcome;
  }
  if (opts.actor !== undefined) filters.actorId = await accountId(admin, opts.actor);
  if (opts.target !== undefined) filters.targetId = await accountId(admin, opts.target);
  return filters;
}

function factors(u: AdminUser): string {
  const out = [u.factors.totp ? 'totp' : '', u.factors.webauthnKeys > 0 ? `${u.factors.webauthnKeys} key(s)` : ''].filter(Boolean);
  return out.length ? out.join(', ') : '-';
}

function describeUser(u: AdminUser): string {
  return [
    `Account:      ${clean(u.email)}`,
    `Id:           ${u.id}`,
    `Status:       ${u.status}${u.disabledAt === null ? '' : ` (since ${time(u.disabledAt)})`}`,
    `Roles:        ${u.roles.join(', ')}`,
    `Verified:     ${u.emailVerified ? 'yes' : 'no'}`,
    `2nd factors:  ${factors(u)}`,
    `Created:      ${time(u.createdAt)}`,
    `Last login:   ${time(u.lastLoginAt)}`,
  ].join('\n');
}

export function adminCommands(program: Command, context: Ctx): void {
  const admin = program.command('admin').description('administration: accounts, roles, settings and the audit log (needs an admin role)');

  /** The admin client of the stored session (the vault stays locked). */
  const open = async (cmd: Command): Promise<{ ctx: CliContext; api: AdminClient }> => {
    const ctx = context(cmd);
    return { ctx, api: ctx.client().admin(await ctx.session()) };
  };

  admin
    .command('users')
    .description('list accounts: address, status, roles, second factors, created, last login (metadata only)')
    .option('--search <text>', 'only addresses containing this')
    .action(async (opts: { search?: string }, cmd: Command) => {
      const { ctx, api } = await open(cmd);
      const users: AdminUser[] = [];
      for await (const u of api.allUsers(opts.search)) users.push(u);
      if (ctx.json) return ctx.out(JSON.stringify(users));
      if (users.length === 0) return ctx.info(opts.search === undefined ? 'No accounts.' : 'No matching accounts.');
      ctx.out(
        renderTable(
          ['EMAIL', 'STATUS', 'ROLES', '2FA', 'VERIFIED', 'CREATED', 'LAST LOGIN'],
          users.map((u) => [u.email, u.status, u.roles.join(','), factors(u), u.emailVerified ? 'yes' : 'no', time(u.createdAt), time(u.lastLoginAt)]),
        ),
      );
    });

  admin
    .command('user <email>')
    .description('one account\'s metadata')
    .action(async (email: string, _opts: unknown, cmd: Command) => {
      const { ctx, api } = await open(cmd);
      const user = await api.userByEmail(email);
      ctx.out(ctx.json ? JSON.stringify(user) : describeUser(user));
    });

  admin
    .command('disable <email>')
    .description('disable an account: every session ends at once; logging in answers "account disabled"')
    .action(async (email: string, _opts: unknown, cmd: Command) => {
      const { ctx, api } = await open(cmd);
      const user = await api.disable((await api.userByEmail(email)).id);
      if (ctx.json) return ctx.out(JSON.stringify(user));
      ctx.info(`Disabled ${clean(user.email)}: every session ended; it cannot log in until enabled again (\`ww admin enable\`).`);
    });

  admin
    .command('enable <email>')
    .description('enable a disabled account again')
    .action(async (email: string, _opts: unknown, cmd: Command) => {
      const { ctx, api } = await open(cmd);
      const user = await api.enable((await api.userByEmail(email)).id);
      if (ctx.json) return ctx.out(JSON.stringify(user));
      ctx.info(`Enabled ${clean(user.email)}: it can log in again.`);
    });

  admin
    .command('delete <email>')
    .description('delete an account with every item in it, for good (asks for the address again)')
    .action(async (email: string, _opts: unknown, cmd: Command) => {
      const { ctx, api } = await open(cmd);
      const user = await api.userByEmail(email);
      if (!ctx.json) ctx.info(`This deletes the account ${clean(user.email)} with every item, key and session. It cannot be undone.`);
      const typed = normaliseEmail(await ctx.answer(`Type the address (${clean(user.email)}) to confirm: `));
      if (typed !== user.email) throw new CliError('the address does not match: nothing was deleted', EXIT.usage);
      await api.deleteUser(user.id, typed);
      if (ctx.json) return ctx.out(JSON.stringify({ deleted: true, id: user.id }));
      ctx.info(`Account ${clean(user.email)} deleted.`);
    });

  admin
    .command('revoke-sessions <email>')
    .description('end every session of an account (its tokens stop working at once)')
    .action(async (email: string, _opts: unknown, cmd: Command) => {
      const { ctx, api } = await open(cmd);
      const user = await api.userByEmail(email);
      const revoked = await api.revokeSessions(user.id);
      if (ctx.json) return ctx.out(JSON.stringify({ revoked }));
      ctx.info(`Ended ${revoked} session(s) of ${clean(user.email)}.`);
    });

  admin
    .command('clear-throttle <email>')
    .description('lift the backoff of an account after failed attempts (login, codes, fresh authentication)')
    .action(async (email: string, _opts: unknown, cmd: Command) => {
      const { ctx, api } = await open(cmd);
      const user = await api.userByEmail(email);
      await api.clearThrottle(user.id);
      if (ctx.json) return ctx.out(JSON.stringify({ cleared: true }));
      ctx.info(`Login throttling cleared for ${clean(user.email)}.`);
    });

  admin
    .command('grant <email> <role>')
    .description('give an account a role (only roles whose permissions are all yours; never to yourself)')
    .action(async (email: string, role: string, _opts: unknown, cmd: Command) => {
      const { ctx, api } = await open(cmd);
      const user = await api.grantRole((await api.userByEmail(email)).id, role);
      if (ctx.json) return ctx.out(JSON.stringify(user));
      ctx.info(`${clean(user.email)} now holds: ${user.roles.join(', ')}.`);
    });

  admin
    .command('revoke <email> <role>')
    .description('take a role away from an account')
    .action(async (email: string, role: string, _opts: unknown, cmd: Command) => {
      const { ctx, api } = await open(cmd);
      const user = await api.revokeRole((await api.userByEmail(email)).id, role);
      if (ctx.json) return ctx.out(JSON.stringify(user));
      ctx.info(`${clean(user.email)} now holds: ${user.roles.join(', ')}.`);
    });

  admin
    .command('roles')
    .description('the roles, with their parent and effective permissions')
    .action(async (_opts: unknown, cmd: Command) => {
      const { ctx, api } = await open(cmd);
      const roles = await api.roles();
      if (ctx.json) return ctx.out(JSON.stringify(roles));
      // Permissions can be many: one line per role, not truncated by the table.
      ctx.out(
        roles
          .map((r) => `${r.name}${r.parent ? ` (inherits ${r.parent})` : ''}${r.builtin ? '' : ' [custom]'}${r.description ? ` — ${clean(r.description)}` : ''}\n    ${r.effectivePermissions.join(' ')}`)
          .join('\n'),
      );
    });

  admin
    .command('role')
    .description('custom roles')
    .command('create <name>')
    .description('create a custom role (needs roles:manage; it can only grant permissions you hold)')
    .requiredOption('--parent <role>', 'the role it inherits from (e.g. user)')
    .option('--permission <permission>', 'a permission of its own, e.g. users:read (repeatable)', collect, [])
    .option('--description <text>', 'what the role is for', '')
    .action(async (name: string, opts: { parent: string; permission: string[]; description: string }, cmd: Command) => {
      const unknown = opts.permission.find((p) => !isPermission(p));
      if (unknown !== undefined) throw new CliError(`--permission: "${unknown}" is not a permission (${PERMISSIONS.join(', ')})`, EXIT.usage);
      const { ctx, api } = await open(cmd);
      const role = await api.createRole({ name, parent: opts.parent, description: opts.description, permissions: [...new Set(opts.permission.filter(isPermission))] });
      if (ctx.json) return ctx.out(JSON.stringify(role));
      ctx.info(`Role ${role.name} created (inherits ${role.parent ?? '-'}): ${role.effectivePermissions.join(' ')}`);
    });

  admin
    .command('settings')
    .description('the server\'s effective configuration, secrets redacted')
    .action(async (_opts: unknown, cmd: Command) => {
      const { ctx, api } = await open(cmd);
      const settings = await api.settings();
      if (ctx.json) return ctx.out(JSON.stringify(settings));
      const width = Math.max(...Object.keys(settings).map((k) => k.length));
      ctx.out(Object.entries(settings).map(([k, v]) => `${k.padEnd(width)}  ${Array.isArray(v) ? v.join(', ') || '-' : v === null ? '-' : String(v)}`).join('\n'));
    });

  const audit = withFilters(admin.command('audit'))
    .description('the audit log, newest first (`ww admin audit export` for all of it as a file)')
    .option('--limit <n>', 'at most this many events (default 50)')
    .action(async (opts: FilterOptions & { limit?: string }, cmd: Command) => {
      const { ctx, api } = await open(cmd);
      const limit = opts.limit === undefined ? 50 : Number(opts.limit);
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100_000) throw new CliError('--limit: a whole number from 1 to 100000', EXIT.usage);
      const filters = await filtersFrom(api, opts);
      const events: AuditEvent[] = [];
      for await (const e of api.auditEvents(filters, { max: limit })) events.push(e);
      if (ctx.json) return ctx.out(JSON.stringify(events));
      if (events.length === 0) return ctx.info('No events.');
      // Ids are shown as addresses where the account still exists.
      const names = new Map<string, string>();
      for (const id of new Set(events.flatMap((e) => [e.actorId, e.targetId]).filter((v): v is string => v !== null))) {
        try {
          names.set(id, (await api.user(id)).email);
        } catch (error) {
          if (!(error instanceof WatchwordError) || error.code !== 'USER_NOT_FOUND') throw error;
          names.set(id, id);
        }
      }
      const who = (id: string | null, e: AuditEvent) => (id === null ? (e.context.via === 'host' ? '(host)' : '-') : (names.get(id) ?? id));
      ctx.out(renderTable(['TIME', 'ACTION', 'OUTCOME', 'ACTOR', 'TARGET', 'IP'], events.map((e) => [time(e.at), e.action, e.outcome, who(e.actorId, e), who(e.targetId, e), e.ip || '-'])));
    });

  withFilters(audit.command('export'))
    .description('the whole matching audit log as JSON Lines or CSV (to a file with --output)')
    .requiredOption('--format <format>', 'jsonl or csv')
    .option('--output <file>', 'write to this file (created 0600) instead of standard output')
    .action(async (_opts: unknown, cmd: Command) => {
      // Filters given before `export` (or after it) are parsed by `audit`: read them merged.
      const opts = cmd.optsWithGlobals<FilterOptions & { format: string; output?: string }>();
      const { ctx, api } = await open(cmd);
      if (opts.format !== 'jsonl' && opts.format !== 'csv') throw new CliError('--format: jsonl or csv', EXIT.usage);
      const text = await api.exportAudit(opts.format, await filtersFrom(api, opts));
      if (opts.output === undefined) return void process.stdout.write(text);
      // A new 0600 file renamed over the target: writing into an existing file would keep its mode (0644, say).
      const tmp = `${opts.output}.${process.pid}.tmp`;
      writeFileSync(tmp, text, { mode: 0o600 });
      renameSync(tmp, opts.output);
      const lines = text.split('\n').filter((l) => l !== '').length;
      // CSV has a header row (and may have line breaks inside quoted fields): count what was asked for.
      ctx.info(`Wrote the audit log (${opts.format}${opts.format === 'jsonl' ? `, ${lines} event(s)` : ''}) to ${opts.output}.`);
    });
}
