import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MfaChallengeResponse } from '@watchword/protocol';
import { emailToken } from '../src/commands/account.ts';
import { CliContext, secondFactorAnswer } from '../src/context.ts';
import { CliError } from '../src/errors.ts';

const home = mkdtempSync(join(tmpdir(), 'ww-cli-2fa-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const challenge = (methods: MfaChallengeResponse['methods']): MfaChallengeResponse => ({ mfaRequired: true, mfaToken: 'x'.repeat(43), expiresIn: 300, methods });

describe('second-factor answers', () => {
  it('reads six digits as an authenticator code and anything else as a backup code', () => {
    expect(secondFactorAnswer('123 456', ['totp', 'backup_code'])).toEqual({ method: 'totp', code: '123456' });
    expect(secondFactorAnswer(' abcd-efgh-jkmn ', ['totp', 'backup_code'])).toEqual({ method: 'backup_code', code: 'abcd-efgh-jkmn' });
  });

  it('says which kind of code fits when the other was given', () => {
    expect(() => secondFactorAnswer('123456', ['webauthn', 'backup_code'])).toThrow(/no authenticator app .*backup code/);
    expect(() => secondFactorAnswer('ABCD-EFGH-JKMN', ['totp'])).toThrow(/no backup codes left/);
    expect(() => secondFactorAnswer('12345', ['totp', 'backup_code'])).toThrow(CliError);
  });

  it('explains that security keys need the web vault when nothing else is possible', async () => {
    const ctx = new CliContext({}, { WATCHWORD_HOME: home });
    const { secondFactor, secondFactorRetry } = ctx.secondFactor('123456');
    expect(secondFactorRetry).toBe(false);
    await expect(secondFactor(challenge(['webauthn']))).rejects.toThrow(/security key, which the CLI cannot use: log in with the web vault, or here with a backup code/);
    await expect(secondFactor(challenge(['totp', 'webauthn', 'backup_code']))).resolves.toEqual({ method: 'totp', code: '123456' });
  });
});

describe('mailed links', () => {
  const token = 'A'.repeat(20) + '_-' + 'b'.repeat(21);
  it('takes the token from a verification or recovery link, or the bare code', () => {
    expect(emailToken(`https://vault.example.com/#/verify-email?token=${token}`)).toBe(token);
    expect(emailToken(`http://127.0.0.1:8080/#/recover?token=${token}\n`)).toBe(token);
    expect(emailToken(`  ${token} `)).toBe(token);
    expect(() => emailToken('https://vault.example.com/#/recover?token=short')).toThrow(/not a link or code/);
  });
});
