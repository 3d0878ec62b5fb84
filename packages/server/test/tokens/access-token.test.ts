import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toBase64Url, utf8 } from '@watchword/protocol';
import { loadSigningKeys } from '../../src/keys/signing-keys.ts';
import { type TokenSettings, signAccessToken, verifyAccessToken } from '../../src/tokens/access-token.ts';

const dir = mkdtempSync(join(tmpdir(), 'ww-jwt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keys = loadSigningKeys(dir);
const settings: TokenSettings = { issuer: 'https://ww.example', audience: 'https://ww.example', ttlSeconds: 900, clockToleranceSeconds: 30 };
const now = Date.UTC(2026, 10, 23, 12, 0, 0);
const subject = { userId: '6f1c8a0e-8a3b-4c55-9f0e-1d2c3b4a5f60', sessionId: '0b5f6f4e-1f1a-4b7e-8c3d-2e1f0a9b8c7d' };

const b64json = (v: unknown) => toBase64Url(utf8(JSON.stringify(v)));
function forge(header: Record<string, unknown>, payload: object, signer: (input: string) => Uint8Array): string {
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${toBase64Url(signer(input))}`;
}
const realSign = (input: string) => sign('sha256', utf8(input), keys.current.privateKey);
const valid = () => signAccessToken(keys, settings, subject, now);
const rejects = (token: string, at = now) => expect(() => verifyAccessToken(keys, settings, token, at)).toThrowError(expect.objectContaining({ code: 'INVALID_TOKEN' }));

describe('access tokens (RFC 9068 profile, RFC 8725 checks)', () => {
  it('round-trips: RS256, kid, typ at+jwt and the required claims', () => {
    const { token, claims } = valid();
    const header = JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString());
    expect(header).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: keys.current.kid });
    expect(claims.exp - claims.iat).toBe(900);
    expect(verifyAccessToken(keys, settings, token, now)).toEqual(claims);
    expect(claims).toMatchObject({ iss: settings.issuer, aud: settings.audience, sub: subject.userId, sid: subject.sessionId });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('publishes the RFC 7638 thumbprint as kid', () => {
    expect(keys.current.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(keys.current.publicJwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: keys.current.kid });
    expect(keys.current.publicJwk).not.toHaveProperty('d');
  });

  it('rejects alg "none" (RFC 8725 §2.1)', () => {
    const { claims } = valid();
    rejects(`${b64json({ alg: 'none', typ: 'at+jwt', kid: keys.current.kid })}.${b64json(claims)}.`);
  });

  it('rejects HS256 signed with the public key as the HMAC secret (algorithm confusion, RFC 8725 §2.1)', () => {
    const { claims } = valid();
    const pem = keys.current.publicKey.export({ format: 'pem', type: 'spki' });
    rejects(forge({ alg: 'HS256', typ: 'at+jwt', kid: keys.current.kid }, { ...claims }, (i) => createHmac('sha256', pem).update(i).digest()));
  });

  it('rejects a tampered payload', () => {
    const { token, claims } = valid();
    const [h, , s] = token.split('.');
    rejects(`${h}.${b64json({ ...claims, sub: crypto.randomUUID() })}.${s}`);
  });

  it('rejects a wrong issuer or audience', () => {
    const { claims } = valid();
    const header = { alg: 'RS256', typ: 'at+jwt', kid: keys.current.kid };
    rejects(forge(header, { ...claims, iss: 'https://evil.example' }, realSign));
    rejects(forge(header, { ...claims, aud: 'https://other.example' }, realSign));
  });

  it('rejects expired and not-yet-valid tokens, within the clock tolerance only', () => {
    const { token } = valid();
    expect(() => verifyAccessToken(keys, settings, token, now + 900_000 + 29_000)).not.toThrow();
    rejects(token, now + 900_000 + 31_000);
    expect(() => verifyAccessToken(keys, settings, token, now - 29_000)).not.toThrow();
    rejects(token, now - 31_000);
  });

  it('rejects a wrong typ, an unknown kid, and keys referenced from the token (jku, x5u, jwk)', () => {
    const { claims } = valid();
    const kid = keys.current.kid;
    rejects(forge({ alg: 'RS256', typ: 'JWT', kid }, claims, realSign));
    rejects(forge({ alg: 'RS256', typ: 'at+jwt', kid: 'unknown' }, claims, realSign));
    rejects(forge({ alg: 'RS256', typ: 'at+jwt', kid, jku: 'https://evil.example/jwks' }, claims, realSign));
    rejects(forge({ alg: 'RS256', typ: 'at+jwt', kid, x5u: 'https://evil.example/cert' }, claims, realSign));
    rejects(forge({ alg: 'RS256', typ: 'at+jwt', kid, jwk: keys.current.publicJwk }, claims, realSign));
  });

  it('rejects a token signed by a key that is not ours, even with our kid', () => {
    const { claims } = valid();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    rejects(forge({ alg: 'RS256', typ: 'at+jwt', kid: keys.current.kid }, claims, (i) => sign('sha256', utf8(i), privateKey)));
  });

  it('rejects garbage of every shape', () => {
    for (const junk of ['', 'a', 'a.b', 'a.b.c', '...', `${'a'.repeat(5000)}.b.c`, 'eyJhbGciOiJSUzI1NiJ9.e30.']) rejects(junk);
  });

  it('keeps the key across restarts (same data dir → same kid)', () => {
    expect(loadSigningKeys(dir).current.kid).toBe(keys.current.kid);
  });
});
