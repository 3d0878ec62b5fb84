import { describe, expect, it } from 'vitest';
import { fromBase64Url, randomBytes, toBase64Url } from '@watchword/protocol';
import { SealedResumeError, openSealedAccountKey, sealAccountKey } from '../src/resume.ts';

const USER = '0195f1a2-3b4c-7d5e-8f60-718293a4b5c6';

async function refused(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SealedResumeError);
  expect((error as SealedResumeError).code).toBe('SEALED_RESUME_REFUSED');
  expect((error as SealedResumeError).message).toBe('the resume key does not open this sealed account key');
}

/** The blob with one byte of its decoded form flipped at `index` (negative: from the end). */
function flipped(sealed: string, index: number): string {
  const bytes = fromBase64Url(sealed);
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  return toBase64Url(bytes);
}

describe('sealed resume: the account key sealed under a resume key', () => {
  it('opens with its resume key and user id, and leaves the caller\'s key as it was', async () => {
    const accountKey = randomBytes(32);
    const copy = accountKey.slice();
    const { sealed, resumeKey } = await sealAccountKey(accountKey, USER);
    expect(accountKey).toEqual(copy);
    expect(fromBase64Url(resumeKey)).toHaveLength(32);
    expect(sealed).toHaveLength(82);
    expect(sealed).not.toContain(toBase64Url(accountKey));
    expect(await openSealedAccountKey({ sealed, resumeKey, userId: USER })).toEqual(accountKey);
  });

  it('makes a new resume key each time', async () => {
    const accountKey = randomBytes(32);
    const a = await sealAccountKey(accountKey, USER);
    const b = await sealAccountKey(accountKey, USER);
    expect(a.resumeKey).not.toBe(b.resumeKey);
    expect(a.sealed).not.toBe(b.sealed);
    await refused(openSealedAccountKey({ sealed: a.sealed, resumeKey: b.resumeKey, userId: USER }));
  });

  it('refuses a tampered blob: version byte, nonce, ciphertext, tag, truncated, extended', async () => {
    const { sealed, resumeKey } = await sealAccountKey(randomBytes(32), USER);
    for (const index of [0, 1, 13, 30, -1]) await refused(openSealedAccountKey({ sealed: flipped(sealed, index), resumeKey, userId: USER }));
    await refused(openSealedAccountKey({ sealed: sealed.slice(0, -4), resumeKey, userId: USER }));
    await refused(openSealedAccountKey({ sealed: `${sealed}AAAA`, resumeKey, userId: USER }));
    await refused(openSealedAccountKey({ sealed: '', resumeKey, userId: USER }));
    await refused(openSealedAccountKey({ sealed: 'not base64url!', resumeKey, userId: USER }));
  });

  it('refuses a wrong resume key, and one that is not a 32-byte key', async () => {
    const { sealed, resumeKey } = await sealAccountKey(randomBytes(32), USER);
    await refused(openSealedAccountKey({ sealed, resumeKey: toBase64Url(randomBytes(32)), userId: USER }));
    await refused(openSealedAccountKey({ sealed, resumeKey: flipped(resumeKey, 5), userId: USER }));
    await refused(openSealedAccountKey({ sealed, resumeKey: toBase64Url(randomBytes(16)), userId: USER }));
    await refused(openSealedAccountKey({ sealed, resumeKey: '', userId: USER }));
    await refused(openSealedAccountKey({ sealed, resumeKey: 'a key with spaces', userId: USER }));
  });

  it("refuses another account's user id (the seal is bound to its account)", async () => {
    const { sealed, resumeKey } = await sealAccountKey(randomBytes(32), USER);
    await refused(openSealedAccountKey({ sealed, resumeKey, userId: '0195f1a2-3b4c-7d5e-8f60-718293a4b5c7' }));
    await refused(openSealedAccountKey({ sealed, resumeKey, userId: '' }));
    await refused(openSealedAccountKey({ sealed, resumeKey, userId: `${USER}\0x` }));
  });

  it('refuses oversized and non-string input without trying to open it', async () => {
    const { resumeKey } = await sealAccountKey(randomBytes(32), USER);
    await refused(openSealedAccountKey({ sealed: 'A'.repeat(100_000), resumeKey, userId: USER }));
    await refused(openSealedAccountKey({ sealed: 'A'.repeat(82), resumeKey, userId: 'u'.repeat(10_000) }));
    await refused(openSealedAccountKey({ sealed: null as unknown as string, resumeKey, userId: USER }));
    await refused(openSealedAccountKey({ sealed: 'A'.repeat(82), resumeKey: 42 as unknown as string, userId: USER }));
  });
});
