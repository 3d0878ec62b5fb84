import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listSigningKeys, pruneSigningKeys, rotateSigningKey } from '../../src/keys/rotate.ts';
import { keyStatuses, loadSigningKeys, retirementGraceMs, signingKeyDir } from '../../src/keys/signing-keys.ts';
import { type TokenSettings, signAccessToken, verifyAccessToken } from '../../src/tokens/access-token.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ww-keys-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const settings: TokenSettings = { issuer: 'https://ww.example', audience: 'https://ww.example', ttlSeconds: 900, clockToleranceSeconds: 30 };
const subject = { userId: '6f1c8a0e-8a3b-4c55-9f0e-1d2c3b4a5f60', sessionId: '0b5f6f4e-1f1a-4b7e-8c3d-2e1f0a9b8c7d' };
const t0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;
const grace = retirementGraceMs(900, 30);
const headerOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()) as { alg: string; kid: string };
const kidOf = (token: string) => headerOf(token).kid;
const states = (dir: string, now: number) => Object.fromEntries(listSigningKeys(dir, { now, graceMs: grace }).map((s) => [s.key.kid, s.state]));

describe('signing-key lifecycle: published → active → retiring → expired', () => {
  const dir = tempDir();
  const keys = loadSigningKeys(dir, { alg: 'RS256', now: t0, accessTokenTtlSeconds: 900 });
  const old = keys.current;
  const t1 = t0 + 60 * MIN;
  const fresh = rotateSigningKey(dir, { alg: 'ES256', activationDelaySeconds: 600, now: t1 });
  const activation = t1 + 10 * MIN;
  const expiry = activation + grace;

  it('the very first key is active at once', () => {
    expect(old.activatesAt).toBe(t0);
    expect(states(dir, t0)).toEqual({ [old.kid]: 'active', [fresh.kid]: 'published' });
  });

  it('after rotate the new key is in JWKS (and verifies) at once, but tokens are still signed by the old key', () => {
    const set = keys.at(t1);
    expect([...set.byKid.keys()].sort()).toEqual([old.kid, fresh.kid].sort());
    expect(set.current.kid).toBe(old.kid);
    const { token } = signAccessToken(keys, settings, subject, activation - 1);
    expect(kidOf(token)).toBe(old.kid);
    expect(states(dir, activation - 1)).toEqual({ [old.kid]: 'active', [fresh.kid]: 'published' });
  });

  it('from activatesAt on, new tokens carry the new kid and alg; old tokens verify until retiredAt + TTL + tolerance', () => {
    const before = signAccessToken(keys, settings, subject, activation - 1_000);
    const after = signAccessToken(keys, settings, subject, activation);
    expect(kidOf(after.token)).toBe(fresh.kid);
    expect(headerOf(after.token).alg).toBe('ES256');
    expect(states(dir, activation)).toEqual({ [old.kid]: 'retiring', [fresh.kid]: 'active' });
    expect(verifyAccessToken(keys, settings, before.token, before.claims.exp * 1000)).toEqual(before.claims);
    expect(verifyAccessToken(keys, settings, after.token, activation)).toEqual(after.claims);

    // A generous clock tolerance keeps the token's own exp out of the way: what fails at `expiry` is the key.
    const lenient = { ...settings, clockToleranceSeconds: 3600 };
    expect(verifyAccessToken(keys, lenient, before.token, expiry - 1)).toEqual(before.claims);
    expect(keys.at(expiry - 1).byKid.has(old.kid)).toBe(true);
    expect(() => verifyAccessToken(keys, lenient, before.token, expiry)).toThrowError(expect.objectContaining({ code: 'INVALID_TOKEN' }));
    expect(keys.at(expiry).byKid.has(old.kid)).toBe(false);
    expect([...keys.at(expiry).algorithms]).toEqual(['ES256']);
    expect(states(dir, expiry)).toEqual({ [old.kid]: 'expired', [fresh.kid]: 'active' });
  });

  it('prune deletes only expired keys', () => {
    expect(pruneSigningKeys(dir, { now: expiry - 1, graceMs: grace })).toEqual([]);
    expect(readdirSync(signingKeyDir(dir))).toHaveLength(2);
    const deleted = pruneSigningKeys(dir, { now: expiry, graceMs: grace });
    expect(deleted.map((k) => k.kid)).toEqual([old.kid]);
    expect(existsSync(old.file)).toBe(false);
    expect(existsSync(fresh.file)).toBe(true);
    expect(states(dir, expiry)).toEqual({ [fresh.kid]: 'active' });
    expect(pruneSigningKeys(dir, { now: expiry + 365 * 24 * 60 * MIN, graceMs: grace })).toEqual([]); // the active key never expires
  });

  it('a restarted server sees the same state', () => {
    const restarted = loadSigningKeys(dir, { now: expiry, accessTokenTtlSeconds: 900 });
    expect(restarted.current.kid).toBe(fresh.kid);
    expect([...restarted.byKid.keys()]).toEqual([fresh.kid]);
  });
});

describe('a running server picks up rotations from disk', () => {
  it('re-reads the directory at most once a minute and switches at activatesAt without a restart', () => {
    const dir = tempDir();
    const keys = loadSigningKeys(dir, { alg: 'EdDSA', now: t0 });
    const first = keys.current;
    const added = rotateSigningKey(dir, { alg: 'RS256', activationDelaySeconds: 600, now: t0 + 10_000 });
    expect(keys.at(t0 + 59_999).byKid.has(added.kid)).toBe(false); // not re-read yet
    expect(keys.at(t0 + 60_000).byKid.has(added.kid)).toBe(true);
    expect(keys.current.kid).toBe(first.kid);
    expect(keys.at(added.activatesAt - 1).current.kid).toBe(first.kid);
    expect(keys.at(added.activatesAt).current.kid).toBe(added.kid);
    expect(keys.current.kid).toBe(added.kid); // the getters follow the latest at()
  });

  it('keeps signing with the keys it has when the directory turns bad, and names the file at start-up', () => {
    const dir = tempDir();
    const keys = loadSigningKeys(dir, { now: t0 });
    const bad = join(signingKeyDir(dir), 'zz-bad.json');
    writeFileSync(bad, JSON.stringify({ kid: 'wrong', alg: 'RS256', createdAt: new Date(t0).toISOString(), activatesAt: new Date(t0).toISOString(), privateKeyPem: 'nope' }), { mode: 0o600 });
    expect(keys.at(t0 + 2 * MIN).current.kid).toBe(keys.current.kid);
    expect(() => loadSigningKeys(dir, { now: t0 })).toThrow(/zz-bad\.json/);
    rmSync(bad);
  });

  it('refuses a key file whose kid or alg does not match its key', () => {
    const dir = tempDir();
    const key = loadSigningKeys(dir, { alg: 'ES256', now: t0 }).current;
    const record = JSON.parse(readFileSync(key.file, 'utf8')) as Record<string, string>;
    writeFileSync(key.file, JSON.stringify({ ...record, alg: 'RS256' }));
    expect(() => loadSigningKeys(dir, { now: t0 })).toThrow(/alg RS256 does not fit/);
    writeFileSync(key.file, JSON.stringify({ ...record, kid: 'x'.repeat(43) }));
    expect(() => loadSigningKeys(dir, { now: t0 })).toThrow(/not the key's RFC 7638 thumbprint/);
  });
});

describe('rotation edge cases', () => {
  it('--activate-now over a still-pending key: the newest created key wins, the pending one never signs', () => {
    const dir = tempDir();
    const a = loadSigningKeys(dir, { now: t0 }).current;
    const b = rotateSigningKey(dir, { alg: 'ES256', activationDelaySeconds: 600, now: t0 + MIN });
    const c = rotateSigningKey(dir, { alg: 'EdDSA', activationDelaySeconds: 0, now: t0 + 2 * MIN });
    expect(states(dir, t0 + 2 * MIN)).toEqual({ [a.kid]: 'retiring', [b.kid]: 'retiring', [c.kid]: 'active' });
    expect(states(dir, t0 + 12 * MIN)).toEqual({ [a.kid]: 'retiring', [b.kid]: 'retiring', [c.kid]: 'active' });
    expect(states(dir, t0 + 2 * MIN + grace)).toEqual({ [a.kid]: 'expired', [b.kid]: 'expired', [c.kid]: 'active' });
  });

  it('orders by creation even when the clock went back, and an instance whose clock is behind still signs', () => {
    const dir = tempDir();
    const a = loadSigningKeys(dir, { now: t0 }).current;
    const b = rotateSigningKey(dir, { alg: 'RS256', activationDelaySeconds: 0, now: t0 - MIN });
    expect(b.createdAt).toBeGreaterThan(a.createdAt);
    expect(loadSigningKeys(dir, { now: t0 }).current.kid).toBe(b.kid);
    expect(loadSigningKeys(dir, { now: t0 - 2 * MIN }).current.kid).toBe(a.kid);
  });

  it('the lifecycle is a pure function of the keys and the instant', () => {
    const dir = tempDir();
    loadSigningKeys(dir, { now: t0 });
    rotateSigningKey(dir, { alg: 'ES256', activationDelaySeconds: 600, now: t0 + MIN });
    const keys = listSigningKeys(dir, { now: t0, graceMs: grace }).map((s) => s.key);
    expect(keyStatuses([...keys].reverse(), t0 + 11 * MIN, grace)).toEqual(keyStatuses(keys, t0 + 11 * MIN, grace));
  });
});

describe('key files', () => {
  it('are 0600 in a 0700 directory, JSON with kid, alg, createdAt, activatesAt and the PKCS#8 key', () => {
    const dir = tempDir();
    const first = loadSigningKeys(dir, { now: t0 }).current;
    const second = rotateSigningKey(dir, { alg: 'EdDSA', activationDelaySeconds: 600, now: t0 + 1 });
    for (const d of [join(dir, 'keys'), signingKeyDir(dir)]) expect(statSync(d).mode & 0o777).toBe(0o700);
    for (const k of [first, second]) {
      expect(statSync(k.file).mode & 0o777).toBe(0o600);
      const record = JSON.parse(readFileSync(k.file, 'utf8'));
      expect(Object.keys(record).sort()).toEqual(['activatesAt', 'alg', 'createdAt', 'kid', 'privateKeyPem']);
      expect(record).toMatchObject({ kid: k.kid, alg: k.alg, createdAt: new Date(k.createdAt).toISOString(), activatesAt: new Date(k.activatesAt).toISOString() });
      expect(record.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    }
    expect(second.activatesAt).toBe(t0 + 1 + 600_000);
  });

  it('reads the plain PEM files of earlier versions in place as active RS256 keys, and rotates away from them', () => {
    const dir = tempDir();
    const jwtDir = signingKeyDir(dir);
    mkdirSync(jwtDir, { recursive: true, mode: 0o700 });
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const named = '2026-01-02T03-04-05-678Z.pem';
    writeFileSync(join(jwtDir, named), pem, { mode: 0o600 });
    const keys = loadSigningKeys(dir, { now: t0 });
    expect(keys.current).toMatchObject({ alg: 'RS256', createdAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678), activatesAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678) });
    expect(readdirSync(jwtDir)).toEqual([named]); // not rewritten: the directory may be read-only

    // A PEM without the old name dates from its mtime.
    const other = join(jwtDir, 'legacy.pem');
    writeFileSync(other, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600 });
    utimesSync(other, new Date(Date.UTC(2026, 5, 1)), new Date(Date.UTC(2026, 5, 1)));
    const both = loadSigningKeys(dir, { now: t0 });
    expect(both.current.createdAt).toBe(Date.UTC(2026, 5, 1));

    const fresh = rotateSigningKey(dir, { alg: 'ES256', activationDelaySeconds: 0, now: t0 });
    expect(loadSigningKeys(dir, { now: t0 }).current.kid).toBe(fresh.kid);
    expect(pruneSigningKeys(dir, { now: t0 + grace, graceMs: grace }).map((k) => k.file).sort()).toEqual([other, join(jwtDir, named)].sort());
    expect(readdirSync(jwtDir)).toHaveLength(1);
  });
});
