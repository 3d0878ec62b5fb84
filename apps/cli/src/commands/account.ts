import { api } from '@watchword/protocol';
import type { Command } from 'commander';
import { VAULT_RESET_CONFIRMATION } from '@watchword/client';
import { type AccountResponse, WatchwordError, normaliseEmail, parseRecoveryKey } from '@watchword/protocol';
import { type CliContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { clean, renderTable } from '../output.ts';
import { CODE_HELP, code } from './auth.ts';

type Ctx = (cmd: Command) => CliContext;

/** E-mail tokens: 43–64 base64url characters (256 bits). */
const TOKEN_RE = /^[A-Za-z0-9_-]{43,64}$/;

/** The token from a mailed link (`…/#/verify-email?token=…`, `…/#/recover?token=…`) or the bare token/code. */
export function emailToken(input: string): string {
  const text = input.trim();
  const match = /[?&#]token=([^&#\s]+)/.exec(text);
  let token = text;
  try {
    if (match) token = decodeURIComponent(match[1] ?? '');
  } catch {
    token = '';
  }
  if (!TOKEN_RE.test(token)) throw new CliError('that is not a link or code from a Watchword mail', EXIT.usage);
  return token;
}

function recoveryKeyBlock(recoveryKey: string): string {
  return ['Your NEW recovery key (shown only this once — store it offline; the old one no longer works):', '', `    ${recoveryKey}`, ''].join('\n');
}

export function accountCommands(program: Command, context: Ctx): void {
  program
    .command('password')
    .description('the master password')
    .command('change')
    .description('change the master password (the vault stays as it is; other sessions end)')
    .option('--code <code>', `${CODE_HELP} — only asked when the vault is locked`)
    .action(async (opts: { code?: string }, cmd: Command) => {
      const ctx = context(cmd);
      const stored = ctx.requireLogin();
      const env = 'WATCHWORD_NEW_PASSWORD';
      const currentPassword = await ctx.password('Current master password: ');
      // Scripts give the new password right after the current one; at a prompt it is asked once the vault is open,
      // so that a recent password is refused as it is typed.
      let newPassword = ctx.newPasswordGiven(env) ? await ctx.newPassword(stored.email, { envVar: env }) : undefined;
      // The account key does not change, and this session is kept: the sealed key in the session file stays right.
      const vault = await ctx.vault({ password: currentPassword, ...code(opts) });
      newPassword ??= await ctx.newPassword(stored.email, { current: currentPassword, vault });
      if (newPassword === currentPassword) throw new CliError('the new master password is the same as the current one', EXIT.usage);
      const { revokedSessions } = await ctx.client().changePassword(vault, { currentPassword, newPassword });
      await ctx.rememberPassword(vault, newPassword);
      if (ctx.json) return ctx.out(JSON.stringify({ changed: true, revokedSessions }));
      ctx.info(`Master password changed. ${revokedSessions === 0 ? 'No other session was open.' : `${revokedSessions} other session(s) ended: those devices must log in again.`}`);
    });

  program
    .command('verify-email [link]')
    .description('confirm your e-mail address with the link (or code) from the mail; --resend asks for a new mail')
    .option('--resend', 'send the confirmation mail again (needs `ww login`)')
    .action(async (link: string | undefined, opts: { resend?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      if (opts.resend) {
        if (link !== undefined) throw new CliError('give either a link or --resend', EXIT.usage);
        const session = await ctx.session();
        const account = await session.call(api.account.get, {});
        if (account.emailVerified) {
          if (ctx.json) return ctx.out(JSON.stringify({ verified: true, sent: false }));
          return ctx.info(`${account.email} is already confirmed.`);
        }
        await ctx.client().security(session).resendVerification();
        if (ctx.json) return ctx.out(JSON.stringify({ verified: false, sent: true }));
        return ctx.info(`A new confirmation link is on its way to ${account.email} (earlier links no longer work).`);
      }
      if (link === undefined) throw new CliError('pass the link (or code) from the mail, or --resend', EXIT.usage);
      await ctx.client().verifyEmail(emailToken(link));
      if (ctx.json) return ctx.out(JSON.stringify({ verified: true }));
      ctx.info('E-mail address confirmed.');
    });

  program
    .command('recover')
    .description('forgotten master password: --email asks for a recovery mail; with --token, set a new password with your recovery key')
    .option('--email <address>', 'the account\'s e-mail address')
    .option('--token <link-or-code>', 'the link or code from the recovery mail')
    .option('--reset-vault', 'without the recovery key: start over with an EMPTY vault (every item is lost)')
    .action(async (opts: { email?: string; token?: string; resetVault?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      if (opts.token === undefined) {
        if (opts.resetVault) throw new CliError('--reset-vault needs --token (from the recovery mail): first `ww recover --email <address>`', EXIT.usage);
        if (opts.email === undefined) throw new CliError('pass --email <address> to get a recovery mail, or --token <link> from that mail', EXIT.usage);
        const email = normaliseEmail(opts.email);
        await ctx.client().requestRecovery(email);
        // The same answer whether or not the address has an account.
        if (ctx.json) return ctx.out(JSON.stringify({ requested: true }));
        return ctx.info(
          `If ${email} has a Watchword account, a recovery mail is on its way. It holds a link and a code that work once, for 30 minutes:\n` +
            `  ww recover --token <link-or-code>   (you will need your recovery key)`,
        );
      }
      const token = emailToken(opts.token);
      const email = normaliseEmail(opts.email ?? ctx.stored?.email ?? '');
      const client = ctx.client();

      if (opts.resetVault) {
        if (!ctx.json) {
          ctx.info(
            [
              'Resetting the vault starts your account over WITHOUT the recovery key:',
              '  - every item in your vault is deleted for good — nobody, not even the server, can decrypt them without the key;',
              '  - you get a new master password and a new recovery key;',
              '  - every session ends and your second factors are removed.',
              'If you still have your recovery key, stop here and run `ww recover --token …` without --reset-vault.',
            ].join('\n'),
          );
        }
        const phrase = (await ctx.answer(`Type "${VAULT_RESET_CONFIRMATION}" to continue: `)).trim();
        if (phrase !== VAULT_RESET_CONFIRMATION) throw new CliError('the phrase does not match: nothing was changed', EXIT.usage);
        const sure = (await ctx.answer('Every item will be lost. Are you sure? (yes/no): ')).trim().toLowerCase();
        if (sure !== 'yes' && sure !== 'y') throw new CliError('cancelled: nothing was changed', EXIT.usage);
        const newPassword = await ctx.newPassword(email, { envVar: 'WATCHWORD_NEW_PASSWORD' });
        const { recoveryKey } = await client.resetVault({ token, newPassword, email, confirm: phrase });
        ctx.forgetIfAccount(email);
        if (ctx.json) return ctx.out(JSON.stringify({ reset: true, recoveryKey }));
        ctx.out(recoveryKeyBlock(recoveryKey));
        return ctx.info('The vault was reset: it is empty now. Every session ended and second factors were removed. Log in with `ww login` and the new password.');
      }

      const recoveryKey = (await ctx.answer('Recovery key: ', { hidden: true })).trim();
      // Checked here first: the mailed token is used up by the first attempt, so a typo must not reach the server.
      try {
        parseRecoveryKey(recoveryKey).fill(0);
      } catch {
        throw new CliError('that is not a valid recovery key (14 groups of 4 characters; a typo?): nothing was sent, the mail still works', EXIT.usage);
      }
      const newPassword = await ctx.newPassword(email, { envVar: 'WATCHWORD_NEW_PASSWORD' });
      let result: { recoveryKey: string };
      try {
        result = await client.recover({ token, recoveryKey, newPassword, email });
      } catch (error) {
        if (error instanceof Error && error.name === 'DecryptionError') {
          throw new CliError('the recovery key does not belong to this account. The mailed link is used up: request a new one with `ww recover --email <address>`', EXIT.auth);
        }
        if (error instanceof WatchwordError && error.code === 'VALIDATION_FAILED' && /no recovery key/.test(error.message)) {
          throw new CliError(`${error.message} Request a new mail and use --reset-vault.`, EXIT.usage);
        }
        throw error;
      }
      ctx.forgetIfAccount(email);
      if (ctx.json) return ctx.out(JSON.stringify({ recovered: true, recoveryKey: result.recoveryKey }));
      ctx.out(recoveryKeyBlock(result.recoveryKey));
      ctx.info('Master password set; every item is still there. Every session ended and second factors were removed. Log in with `ww login` and the new password.');
    });

  program
    .command('activity')
    .description('recent security events of your account (logins, factors, password changes, …)')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const events = await ctx.client().security(await ctx.session()).activity();
      if (ctx.json) return ctx.out(JSON.stringify(events));
      if (events.length === 0) return ctx.info('No events.');
      ctx.out(renderTable(['TIME', 'EVENT', 'OUTCOME', 'IP', 'CLIENT'], events.map((e) => [new Date(e.at).toISOString(), e.action, e.outcome, e.ip, e.userAgent])));
    });

  program
    .command('account')
    .description('your account')
    .command('delete')
    .description('delete the account and everything in it, for good (asks for the master password and the address)')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const stored = ctx.requireLogin();
      const sec = ctx.client().security(await ctx.session(stored));
      if (!ctx.json) ctx.info(`This deletes the account ${stored.email} with every item in it. It cannot be undone.`);
      const password = await ctx.password();
      const typed = normaliseEmail(await ctx.answer(`Type your e-mail address (${stored.email}) to confirm: `));
      if (typed !== normaliseEmail(stored.email)) throw new CliError('the address does not match: nothing was deleted', EXIT.usage);
      await sec.deleteAccount(password, typed);
      ctx.forget();
      if (ctx.json) return ctx.out(JSON.stringify({ deleted: true }));
      ctx.info(`Account ${clean(typed)} deleted; this machine's session is gone too.`);
    });
}
