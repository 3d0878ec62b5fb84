import { describe, expect, it } from 'vitest';
import { emptyAccountData, passwordFingerprint, randomBytes, recordPassword } from '@watchword/protocol';
import {
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  MIN_PASSWORD_SCORE,
  PasswordPolicyError,
  assertPasswordAcceptable,
  checkPassword,
} from '../src/password-policy.ts';

/** A passphrase of five words picked at random from a large list (lowercase, spaces only). */
const STRONG_PASSPHRASE = 'crouton viking marble tundra ledger';
const ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%&*+=?@';

function randomString(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}

describe('password policy constants', () => {
  it('follows the design: 12..1024 code points, zxcvbn score ≥ 3', () => {
    expect(MIN_PASSWORD_LENGTH).toBe(12);
    expect(MAX_PASSWORD_LENGTH).toBe(1024);
    expect(MAX_PASSWORD_LENGTH).toBeGreaterThanOrEqual(64); // SP 800-63B §5.1.1.2
    expect(MIN_PASSWORD_SCORE).toBe(3);
  });
});

describe('checkPassword', () => {
  it('rejects common passwords as too_weak', async () => {
    for (const password of ['password123456', 'Password1234!', 'qwertyuiop123', 'iloveyouforever', 'passwordpassword']) {
      const check = await checkPassword(password);
      expect(check.ok, password).toBe(false);
      expect(check.problems, password).toEqual(['too_weak']);
      expect(check.score, password).toBeLessThan(MIN_PASSWORD_SCORE);
      expect(check.warning, password).toBeTypeOf('string');
      expect(check.suggestions.length, password).toBeGreaterThan(0);
    }
  });

  it('rejects famous example passphrases, however they are separated or capitalised', async () => {
    for (const password of [
      'correcthorsebatterystaple',
      'correct horse battery staple',
      'Correct-Horse-Battery-Staple',
      'thequickbrownfoxjumpsoverthelazydog',
    ]) {
      const check = await checkPassword(password);
      expect(check.problems, password).toContain('too_weak');
    }
  });

  it('accepts a strong random passphrase and a strong random password', async () => {
    const passphrase = await checkPassword(STRONG_PASSPHRASE);
    expect(passphrase).toMatchObject({ ok: true, problems: [] });
    expect(passphrase.score).toBeGreaterThanOrEqual(MIN_PASSWORD_SCORE);

    const random = await checkPassword(randomString(16));
    expect(random.ok).toBe(true);
    expect(random.score).toBe(4);
  });

  it('enforces no composition rules: lowercase letters and spaces only are fine', async () => {
    for (const password of ['gravel orbit pickle lantern', 'gravelorbitpicklelantern']) {
      const check = await checkPassword(password);
      expect(check.ok, password).toBe(true);
    }
  });

  it('counts length in code points after NFKC', async () => {
    const eleven = randomString(11);
    const short = await checkPassword(eleven);
    expect(short.problems).toEqual(['too_short']);
    expect(short.score).toBe(4); // strong, but still too short
    expect((await checkPassword(randomString(12))).problems).not.toContain('too_short');

    // Twelve astral characters are 24 UTF-16 code units but twelve code points.
    const emoji = '🦊🌵🎻🛶🧭🍄🪐🐙🥨🗿🧲🦉';
    expect(emoji.length).toBe(24);
    expect((await checkPassword(emoji)).problems).not.toContain('too_short');
    expect((await checkPassword(emoji.slice(0, 22))).problems).toContain('too_short');

    // "ﬃ" is one code point but NFKC makes it three, so 6 × "ﬃ" counts as 18.
    expect((await checkPassword('\uFB03'.repeat(6))).problems).not.toContain('too_short');
    // A decomposed "é" (e + U+0301) composes to one code point: 6 × "é" + 5 is 11.
    expect((await checkPassword(`${'e\u0301'.repeat(6)}Qx7#z`)).problems).toContain('too_short');
  });

  it('rejects more than 1024 code points and accepts exactly 1024', async () => {
    const long = await checkPassword(randomString(MAX_PASSWORD_LENGTH + 1));
    expect(long.ok).toBe(false);
    expect(long.problems).toEqual(['too_long']);
    expect((await checkPassword(randomString(MAX_PASSWORD_LENGTH))).ok).toBe(true);
  });

  it('penalises passwords derived from the e-mail address', async () => {
    const email = 'Alice.Smith@Example.com';
    const password = 'alicesmith2024!';
    const without = await checkPassword(password);
    const withEmail = await checkPassword(password, { email });
    expect(without.ok).toBe(true);
    expect(withEmail.score).toBeLessThan(without.score);
    expect(withEmail.problems).toEqual(['too_weak']);

    for (const derived of ['alice.smith@example.com!', 'Alice.Smith@Example.com', 'alicesmithexample']) {
      expect((await checkPassword(derived, { email })).problems, derived).toContain('too_weak');
    }
    // The e-mail does not hurt an unrelated strong passphrase.
    expect((await checkPassword(STRONG_PASSPHRASE, { email })).ok).toBe(true);
  });

  it('penalises the product name', async () => {
    expect((await checkPassword('watchwordwatchword')).problems).toContain('too_weak');
  });

  it('rejects a password from the history and accepts a new one', async () => {
    const accountKey = randomBytes(32);
    const previous = 'lantern gravel orbit pickle';
    let data = emptyAccountData();
    data = recordPassword(data, await passwordFingerprint(accountKey, previous));
    data = recordPassword(data, await passwordFingerprint(accountKey, 'some older passphrase here'));
    const history = { accountKey, data };

    const reused = await checkPassword(previous, { history });
    expect(reused.ok).toBe(false);
    expect(reused.problems).toEqual(['reused']);
    // The same password in another Unicode spelling is still a reuse.
    expect((await checkPassword('lantern gravel orbit pickle'.replace('o', '\uFF4F'), { history })).problems).toContain(
      'reused',
    );

    expect((await checkPassword(STRONG_PASSPHRASE, { history })).ok).toBe(true);
    // A different account key does not recognise the fingerprint.
    expect((await checkPassword(previous, { history: { accountKey: randomBytes(32), data } })).ok).toBe(true);
  });

  it('reports every problem at once', async () => {
    const accountKey = randomBytes(32);
    const data = recordPassword(emptyAccountData(), await passwordFingerprint(accountKey, 'password'));
    const check = await checkPassword('password', { history: { accountKey, data } });
    expect(check.problems).toEqual(['too_short', 'too_weak', 'reused']);
  });
});

describe('assertPasswordAcceptable', () => {
  it('returns the check for an acceptable password', async () => {
    await expect(assertPasswordAcceptable(STRONG_PASSPHRASE)).resolves.toMatchObject({ ok: true });
  });

  it('throws PasswordPolicyError with problems and a message that never contains the password', async () => {
    const cases: [string, string, RegExp][] = [
      ['qwertyuiop123', 'too_weak', /too weak: add another word or two/],
      ['Sh0rt#Pw9!x', 'too_short', /too short: use at least 12 characters/],
      ['gravel orbit pickle lantern'.repeat(40), 'too_long', /too long: use at most 1024 characters/],
    ];
    for (const [password, problem, message] of cases) {
      const error = await assertPasswordAcceptable(password).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PasswordPolicyError);
      const policyError = error as PasswordPolicyError;
      expect(policyError.name).toBe('PasswordPolicyError');
      expect(policyError.problems).toContain(problem);
      expect(policyError.message).toMatch(message);
      for (const text of [policyError.message, String(policyError), policyError.stack ?? '', JSON.stringify(policyError)]) {
        expect(text).not.toContain(password);
        expect(text.toLowerCase()).not.toContain(password.slice(0, 6).toLowerCase());
      }
    }
  });

  it('says when the password was used before', async () => {
    const accountKey = randomBytes(32);
    const data = recordPassword(emptyAccountData(), await passwordFingerprint(accountKey, STRONG_PASSPHRASE));
    const error = await assertPasswordAcceptable(STRONG_PASSPHRASE, { history: { accountKey, data } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PasswordPolicyError);
    expect((error as PasswordPolicyError).problems).toEqual(['reused']);
    expect((error as PasswordPolicyError).message).toMatch(/used recently/);
  });
});
