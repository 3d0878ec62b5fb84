import type { Command } from 'commander';
import type { AccountSecurity } from '@watchword/client';
import { WatchwordError } from '@watchword/protocol';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { renderTable } from '../output.ts';
import { terminalQr } from '../qr.ts';

type Ctx = (cmd: Command) => CliContext;

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

/** The security API of the stored session (no vault key needed). */
async function security(ctx: CliContext): Promise<AccountSecurity> {
  return ctx.client().security(await ctx.session());
}

/** A TOTP code as typed ("123 456" too), or a usage error. */
function totpCode(raw: string): string {
  const code = raw.replace(/\s+/g, '');
  if (!/^[0-9]{6}$/.test(code)) throw new CliError('an authenticator code is 6 digits', EXIT.usage);
  return code;
}

/** Backup codes are shown once: on stdout (for the user to copy), everything around them on stderr. */
function showBackupCodes(ctx: CliContext, codes: readonly string[], intro: string): void {
  ctx.info(intro);
  ctx.info('Backup codes — shown only this once. Each works once, in place of an authenticator code (e.g. if you lose your phone):');
  ctx.out(codes.map((c) => `    ${c}`).join('\n'));
  ctx.info('Store them offline, apart from your phone. `ww mfa backup-codes` makes a new set (the old one then stops working).');
}

async function confirmTotp(ctx: CliContext, sec: AccountSecurity, code: string): Promise<void> {
  const backupCodes = await sec.confirmTotp(totpCode(code));
  if (ctx.json) return ctx.out(JSON.stringify({ enabled: true, ...(backupCodes ? { backupCodes } : {}) }));
  if (backupCodes) showBackupCodes(ctx, backupCodes, 'Authenticator app enabled: logins now ask for a code.');
  else ctx.info('Authenticator app enabled: logins now ask for a code. Your existing backup codes still work.');
}

/** A security key by id, id prefix (6+ characters) or name (case-insensitive). */
function findKey<T extends { id: string; name: string }>(keys: readonly T[], query: string): T {
  const exact = keys.filter((k) => k.id === query);
  const byPrefix = exact.length > 0 ? exact : query.length >= 6 ? keys.filter((k) => k.id.startsWith(query)) : [];
  const matches = byPrefix.length > 0 ? byPrefix : keys.filter((k) => k.name.toLowerCase() === query.toLowerCase());
  if (matches.length === 0) throw new CliError(`no security key matches "${query}" (see \`ww mfa keys\`)`, EXIT.notFound);
  if (matches.length > 1) throw new CliError(`several security keys match "${query}": use more of the id`, EXIT.notFound);
  return matches[0] as T;
}

export function mfaCommands(program: Command, context: Ctx): void {
  const mfa = program.command('mfa').description('second factors: authenticator app (TOTP), backup codes, security keys');

  mfa
    .command('status')
    .description('which second factors are on')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const status = await (await security(ctx)).status();
      if (ctx.json) return ctx.out(JSON.stringify(status));
      const on = status.totp.enabled || status.webauthn.length > 0;
      ctx.out(
        [
          `Authenticator app (TOTP): ${status.totp.enabled ? 'on' : status.totp.pending ? 'not confirmed yet (`ww mfa totp confirm <code>`)' : 'off'}`,
          `Security keys:            ${status.webauthn.length === 0 ? 'none' : `${status.webauthn.length} (\`ww mfa keys\`)`}`,
          `Backup codes left:        ${status.backupCodes.remaining}`,
        ].join('\n'),
      );
      if (!on) ctx.info('No second factor: `ww mfa totp enable` sets up an authenticator app.');
      else if (status.backupCodes.remaining <= 3) ctx.info('Few backup codes left: `ww mfa backup-codes` makes a new set.');
    });

  const totp = mfa.command('totp').description('the authenticator app (TOTP)');

  totp
    .command('enable')
    .description('set up an authenticator app: shows a QR code and the secret, then asks for a code to confirm')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const sec = await security(ctx);
      const password = await ctx.password();
      const { secret, otpauthUri } = await sec.enrolTotp(password);
      if (ctx.json) {
        // Scripts confirm in a second step, once they have the secret.
        ctx.out(JSON.stringify({ secret, otpauthUri, enabled: false }));
        return ctx.info('Not active yet: confirm with `ww mfa totp confirm <code>`.');
      }
      const qr = await terminalQr(otpauthUri);
      if (qr) {
        ctx.info('Scan this QR code with your authenticator app:');
        ctx.out(qr);
      } else {
        ctx.out(`otpauth URI: ${otpauthUri}`);
      }
      ctx.out(`Secret (to type in by hand): ${secret}`);
      for (let attempt = 1; ; attempt++) {
        const raw = await ctx.ask('Code from the app, to confirm: ');
        if (raw === undefined || raw.trim() === '') {
          return ctx.info('Not active yet: confirm with `ww mfa totp confirm <code>`.');
        }
        try {
          return await confirmTotp(ctx, sec, raw);
        } catch (error) {
          const retry = !ctx.scripted && attempt < 3 && error instanceof WatchwordError && error.code === 'INVALID_SECOND_FACTOR';
          if (!retry) {
            if (error instanceof WatchwordError && error.code === 'INVALID_SECOND_FACTOR') {
              throw new CliError('the code was not accepted: check the phone\'s clock, then `ww mfa totp confirm <code>` (the app is not active yet)', EXIT.auth);
            }
            throw error;
          }
          ctx.info('That code was not accepted (is the phone\'s clock right?); try the next one.');
        }
      }
    });

  totp
    .command('confirm <code>')
    .description('activate a pending authenticator app with a current code (after `ww mfa totp enable`)')
    .action(async (code: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      await confirmTotp(ctx, await security(ctx), code);
    });

  totp
    .command('disable')
    .description('turn the authenticator app off (asks for a current code)')
    .option('--code <code>', 'a current 6-digit code from the app')
    .action(async (opts: { code?: string }, cmd: Command) => {
      const ctx = context(cmd);
      const sec = await security(ctx);
      const code = totpCode(opts.code ?? (await ctx.answer('Current code from the authenticator app: ')));
      await sec.disableTotp(code);
      const status = await sec.status();
      if (ctx.json) return ctx.out(JSON.stringify({ disabled: true, secondFactor: status.webauthn.length > 0 }));
      ctx.info('Authenticator app turned off.');
      if (status.webauthn.length === 0) ctx.info('Logins no longer ask for a second factor (the backup codes were removed with it).');
    });

  mfa
    .command('backup-codes')
    .description('make a new set of backup codes (asks for the master password; the old codes stop working)')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const sec = await security(ctx);
      const codes = await sec.regenerateBackupCodes(await ctx.password());
      if (ctx.json) return ctx.out(JSON.stringify({ backupCodes: codes }));
      showBackupCodes(ctx, codes, 'New backup codes made; the previous ones no longer work.');
    });

  const keys = mfa
    .command('keys')
    .description('list security keys (WebAuthn); add them in the web vault')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const list = (await (await security(ctx)).status()).webauthn;
      if (ctx.json) return ctx.out(JSON.stringify(list));
      if (list.length === 0) return ctx.info('No security keys. Add one in the web vault (the CLI cannot talk to security keys).');
      ctx.out(renderTable(['NAME', 'ID', 'ADDED', 'LAST USED'], list.map((k) => [k.name, k.id.slice(0, 12), iso(k.createdAt), iso(k.lastUsedAt)])));
    });
  keys
    .command('remove <key>')
    .description('remove a security key by id (or its first characters) or name; asks for the master password')
    .action(async (query: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const sec = await security(ctx);
      const key = findKey((await sec.status()).webauthn, query);
      await sec.removeWebauthn(key.id, await ctx.password());
      if (ctx.json) return ctx.out(JSON.stringify({ removed: key.id }));
      ctx.info(`Removed security key "${key.name}".`);
    });
}
