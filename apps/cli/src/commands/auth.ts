import type { Command } from 'commander';
import { normaliseEmail } from '@watchword/protocol';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { renderTable } from '../output.ts';
import { removeSession, writeSession } from '../session-file.ts';

type Ctx = (cmd: Command) => CliContext;

export const CODE_HELP =
  'second-factor code: 6 digits from the authenticator app, or a backup code (else asked for; with --password-stdin, the line after the password)';

/** `{ code }` when --code was given. */
export const code = (opts: { code?: string }) => (opts.code !== undefined ? { code: opts.code } : {});

function exportLine(sessionKey: string): string {
  return `export WATCHWORD_SESSION=${sessionKey}`;
}

export function authCommands(program: Command, context: Ctx): void {
  program
    .command('register')
    .description('create an account (the master password never leaves this machine)')
    .requiredOption('--email <address>', 'your e-mail address')
    .action(async (opts: { email: string }, cmd: Command) => {
      const ctx = context(cmd);
      const email = normaliseEmail(opts.email);
      // Interactively the policy is checked as you type (with zxcvbn's hints); the SDK enforces it either way.
      const password = await ctx.newPassword(email, { envVar: 'WATCHWORD_PASSWORD', question: 'Master password: ', repeat: 'Repeat master password: ' });
      const { userId, recoveryKey } = await ctx.client().register({ email, password });
      if (ctx.json) return ctx.out(JSON.stringify({ userId, recoveryKey }));
      ctx.out(
        [
          `Registered ${email}.`,
          '',
          'Your recovery key (shown only this once — store it offline, e.g. on paper):',
          '',
          `    ${recoveryKey}`,
          '',
          'It is the only way back into your vault if you forget the master password.',
          'If this address already had an account, nothing was changed: log in with its existing password.',
          '',
          'Then confirm your address: open the link in the mail we sent, or run `ww verify-email <link>`.',
        ].join('\n'),
      );
    });

  program
    .command('login')
    .description('log in and unlock; prints the export line for WATCHWORD_SESSION')
    .option('--email <address>', 'your e-mail address (default: the last one used)')
    .option('--no-dpop', 'plain bearer tokens instead of DPoP-bound ones (for `ww token` with curl)')
    .option('--code <code>', CODE_HELP)
    .option('--apikey', 'log in with an API key (WATCHWORD_CLIENT_ID and WATCHWORD_CLIENT_SECRET, else asked for): no master password; the vault stays locked until `ww unlock`')
    .action(async (opts: { email?: string; dpop?: boolean; code?: string; apikey?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      if (opts.apikey) {
        if (opts.email !== undefined || opts.code !== undefined) throw new CliError('--apikey takes no --email or --code: the key says whose account it is', EXIT.usage);
        const key = (await ctx.apiKeyCredentials({ prompt: true })) as { clientId: string; secret: string };
        const stored = await ctx.loginWithApiKey(key);
        const access = stored.apiKey?.readOnly ? 'read-only' : 'read-write';
        if (ctx.json) return ctx.out(JSON.stringify({ email: stored.email, userId: stored.userId, apiKey: stored.apiKey }));
        ctx.info(`Logged in as ${stored.email} with API key ${key.clientId} (${access}). The vault is locked: decrypting it needs the master password — eval "$(ww unlock)" (or WATCHWORD_PASSWORD / --password-stdin per command).`);
        return;
      }
      // No address given and none used before: ask (a script gives it as the first line of standard input).
      const email = (opts.email ?? ctx.stored?.email ?? (await ctx.answer('E-mail address: '))).trim();
      if (!email) throw new CliError('which account? pass --email <address>', EXIT.usage);
      if (opts.email === undefined && ctx.stored?.email) ctx.info(`Logging in as ${ctx.stored.email} (another account: --email <address>).`);
      const { sessionKey } = await ctx.loginAndSeal(normaliseEmail(email), { dpop: opts.dpop !== false, ...code(opts) });
      if (ctx.json) return ctx.out(JSON.stringify({ sessionKey }));
      ctx.info(`Logged in as ${normaliseEmail(email)}. To keep the vault unlocked in this shell, run the line below (or: eval "$(ww unlock)").`);
      ctx.out(exportLine(sessionKey));
    });

  program
    .command('unlock')
    .description('unlock the vault of this session and print `export WATCHWORD_SESSION=…` (use: eval "$(ww unlock)"); no new session, no second factor')
    .option('--raw', 'print only the session key')
    .option('--code <code>', `${CODE_HELP}; only asked when the session has ended and a new login is needed`)
    .action(async (opts: { raw?: boolean; code?: string }, cmd: Command) => {
      const ctx = context(cmd);
      const { sessionKey } = await ctx.unlockAndSeal(code(opts));
      if (ctx.json) return ctx.out(JSON.stringify({ sessionKey }));
      ctx.out(opts.raw ? sessionKey : exportLine(sessionKey));
    });

  program
    .command('lock')
    .description('forget the sealed vault key (stay logged in)')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const stored = ctx.requireLogin();
      ctx.stored = { ...stored, sealedAccountKey: null };
      writeSession(ctx.stored, ctx.env);
      ctx.info('Vault locked. Unset WATCHWORD_SESSION in your shell too.');
    });

  program
    .command('logout')
    .description('end this session on the server and forget it here')
    .option('--all', 'end every session of the account, on every device')
    .action(async (opts: { all?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const stored = ctx.requireLogin();
      if (stored.apiKey) {
        // The session is the key's, shared by whatever else uses it: only `ww apikey revoke` (from a password login)
        // or Settings ends it. Here, forget it.
        if (opts.all) throw new CliError('--all needs a session logged in with the master password (`ww login`), not an API key', EXIT.usage);
        removeSession(ctx.env);
        ctx.info(`Logged out here. API key ${stored.apiKey.clientId} stays valid until it is revoked (ww apikey revoke, or Settings → Connected apps).`);
        return;
      }
      try {
        const session = await ctx.session(stored);
        if (opts.all) ctx.info(`Ended ${await session.logoutAll()} session(s).`);
        else await session.logout();
      } finally {
        removeSession(ctx.env);
      }
      ctx.info('Logged out.');
    });

  const sessions = program
    .command('sessions')
    .description('list the devices logged in to this account')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const list = await (await ctx.session()).listSessions();
      if (ctx.json) return ctx.out(JSON.stringify(list));
      ctx.out(
        renderTable(
          ['ID', 'DEVICE', 'IP', 'LAST USED', 'CREATED', '2FA', ''],
          list.map((s) => [
            s.id,
            s.deviceName,
            s.ip,
            new Date(s.lastUsedAt).toISOString(),
            new Date(s.createdAt).toISOString(),
            s.secondFactor ?? '-',
            s.current ? '(this one)' : '',
          ]),
        ),
      );
    });
  sessions
    .command('revoke <id>')
    .description('end one session (its tokens stop working at once)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      await (await ctx.session()).revokeSession(id);
      ctx.info(`Session ${id} ended.`);
    });

  program
    .command('token')
    .description('print a current access token (refreshed when needed), for scripts and curl')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const stored = ctx.requireLogin();
      const token = await (await ctx.session(stored)).accessToken();
      if (stored.dpop && !ctx.json) {
        ctx.info('Note: this token is DPoP-bound (RFC 9449): every request needs a proof signed by this machine\'s key. For a plain bearer token, log in with `ww login --no-dpop`.');
      }
      ctx.out(ctx.json ? JSON.stringify({ accessToken: token, tokenType: stored.dpop ? 'DPoP' : 'Bearer' }) : token);
    });
}
