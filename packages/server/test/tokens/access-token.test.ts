import { type KeyObject, createHash, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toBase64Url, utf8 } from '@watchword/protocol';
import { rotateSigningKey } from '../../src/keys/rotate.ts';
import { SIGNING_ALGS, type SigningAlg, type SigningKeys, jwkThumbprint, loadSigningKeys } from '../../src/keys/signing-keys.ts';
import { type TokenSettings, signAccessToken, verifyAccessToken } from '../../src/tokens/access-token.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ww-jwt-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const settings: TokenSettings = { issuer: 'https://ww.example', audience: 'https://ww.example', ttlSeconds: 900, clockToleranceSeconds: 30 };
const now = Date.UTC(2026, 10, 23, 12, 0, 0);
const subject = { userId: '6f1c8a0e-8a3b-4c55-9f0e-1d2c3b4a5f60', sessionId: '0b5f6f4e-1f1a-4b7e-8c3d-2e1f0a9b8c7d' };
const jkt = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

const b64json = (v: unknown) => toBase64Url(utf8(JSON.stringify(v)));
const headerOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()) as Record<string, unknown>;
function forge(header: Record<string, unknown>, payload: object, signer: (input: string) => Uint8Array): string {
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${toBase64Url(signer(input))}`;
}
/** The raw JWS signature of each algorithm (RFC 7518 §3.3, §3.4; RFC 8037 §3.1), independent of the code under test. */
function rawSign(alg: SigningAlg, key: KeyObject): (input: string) => Uint8Array {
  if (alg === 'RS256') return (i) => sign('sha256', utf8(i), key);
  if (alg === 'ES256') return (i) => sign('sha256', utf8(i), { key, dsaEncoding: 'ieee-p1363' });
  return (i) => sign(null, utf8(i), key);
}
const rejects = (keys: SigningKeys, token: string, at = now) =>
  expect(() => verifyAccessToken(keys, settings, token, at)).toThrowError(expect.objectContaining({ code: 'INVALID_TOKEN' }));

describe('JWK thumbprints (RFC 7638) as kid', () => {
  it('RFC 7638 §3.1 example RSA key', () => {
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    expect(jwkThumbprint({ kty: 'RSA', n, e: 'AQAB', alg: 'RS256', kid: '2011-04-29' })).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('RFC 8037 Appendix A.3 Ed25519 key', () => {
    expect(jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' })).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('EC keys hash {crv, kty, x, y} only (RFC 7638 §3.2)', () => {
    const jwk = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' };
    const expected = toBase64Url(new Uint8Array(createHash('sha256').update(`{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`).digest()));
    expect(jwkThumbprint({ ...jwk, kid: 'ignored', use: 'sig' })).toBe(expected);
  });
});

describe.each(SIGNING_ALGS)('access tokens signed %s (RFC 9068 profile, RFC 8725 checks)', (alg) => {
  const dir = tempDir();
  const keys = loadSigningKeys(dir, { alg, now });
  const realSign = rawSign(alg, keys.current.privateKey);
  const valid = () => signAccessToken(keys, settings, subject, now);

  it('round-trips: alg, kid, typ at+jwt and the required claims', () => {
    const { token, claims } = valid();
    expect(headerOf(token)).toEqual({ alg, typ: 'at+jwt', kid: keys.current.kid });
    expect(claims.exp - claims.iat).toBe(900);
    expect(verifyAccessToken(keys, settings, token, now)).toEqual(claims);
    expect(claims).toMatchObject({ iss: settings.issuer, aud: settings.audience, sub: subject.userId, sid: subject.sessionId });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims).not.toHaveProperty('cnf');
  });

  it('publishes the RFC 7638 thumbprint as kid, and only public members', () => {
    const kty = { RS256: 'RSA', ES256: 'EC', EdDSA: 'OKP' }[alg];
    expect(keys.current.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(keys.current.publicJwk).toMatchObject({ kty, alg, use: 'sig', kid: keys.current.kid });
    expect(jwkThumbprint(keys.current.publicJwk)).toBe(keys.current.kid);
    for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(keys.current.publicJwk).not.toHaveProperty(priv);
  });

  it('verifies a signature made independently with the raw JWS algorithm', () => {
    const { claims } = valid();
    expect(verifyAccessToken(keys, settings, forge({ alg, typ: 'at+jwt', kid: keys.current.kid }, claims, realSign), now)).toEqual(claims);
  });

  it('carries an optional cnf.jkt (RFC 9449 §6.1) through signing and verification', () => {
    const { token, claims } = signAccessToken(keys, settings, subject, now, { cnf: { jkt } });
    expect(claims.cnf).toEqual({ jkt });
    expect(verifyAccessToken(keys, settings, token, now).cnf).toEqual({ jkt });
    const header = { alg, typ: 'at+jwt', kid: keys.current.kid };
    rejects(keys, forge(header, { ...claims, cnf: 'x' }, realSign));
    rejects(keys, forge(header, { ...claims, cnf: { jkt: 'short' } }, realSign));
    expect(() => signAccessToken(keys, settings, subject, now, { cnf: { jkt: 'not a thumbprint' } })).toThrow();
  });

  it('rejects alg "none" (RFC 8725 §2.1)', () => {
    const { claims } = valid();
    rejects(keys, `${b64json({ alg: 'none', typ: 'at+jwt', kid: keys.current.kid })}.${b64json(claims)}.`);
  });

  it('rejects HS256 signed with the public key as the HMAC secret (algorithm confusion, RFC 8725 §2.1)', () => {
    const { claims } = valid();
    const pem = keys.current.publicKey.export({ format: 'pem', type: 'spki' });
    rejects(keys, forge({ alg: 'HS256', typ: 'at+jwt', kid: keys.current.kid }, claims, (i) => createHmac('sha256', pem).update(i).digest()));
    const jwk = JSON.stringify(keys.current.publicJwk);
    rejects(keys, forge({ alg: 'HS256', typ: 'at+jwt', kid: keys.current.kid }, claims, (i) => createHmac('sha256', jwk).update(i).digest()));
  });

  it('rejects a tampered payload', () => {
    const { token, claims } = valid();
    const [h, , s] = token.split('.');
    rejects(keys, `${h}.${b64json({ ...claims, sub: crypto.randomUUID() })}.${s}`);
  });

  it('rejects a wrong issuer or audience', () => {
    const { claims } = valid();
    const header = { alg, typ: 'at+jwt', kid: keys.current.kid };
    rejects(keys, forge(header, { ...claims, iss: 'https://evil.example' }, realSign));
    rejects(keys, forge(header, { ...claims, aud: 'https://other.example' }, realSign));
  });

  it('rejects expired and not-yet-valid tokens, within the clock tolerance only', () => {
    const { token } = valid();
    expect(() => verifyAccessToken(keys, settings, token, now + 900_000 + 29_000)).not.toThrow();
    rejects(keys, token, now + 900_000 + 31_000);
    expect(() => verifyAccessToken(keys, settings, token, now - 29_000)).not.toThrow();
    rejects(keys, token, now - 31_000);
  });

  it('rejects a wrong typ, an unknown kid, and keys referenced from the token (jku, x5u, jwk)', () => {
    const { claims } = valid();
    const kid = keys.current.kid;
    rejects(keys, forge({ alg, typ: 'JWT', kid }, claims, realSign));
    rejects(keys, forge({ alg, typ: 'at+jwt' }, claims, realSign));
    rejects(keys, forge({ alg, typ: 'at+jwt', kid: 'unknown' }, claims, realSign));
    rejects(keys, forge({ alg, typ: 'at+jwt', kid, jku: 'https://evil.example/jwks' }, claims, realSign));
    rejects(keys, forge({ alg, typ: 'at+jwt', kid, x5u: 'https://evil.example/cert' }, claims, realSign));
    rejects(keys, forge({ alg, typ: 'at+jwt', kid, jwk: keys.current.publicJwk }, claims, realSign));
  });

  it('rejects a token signed by a key that is not ours, even with our kid', () => {
    const { claims } = valid();
    const other = loadSigningKeys(tempDir(), { alg, now });
    rejects(keys, forge({ alg, typ: 'at+jwt', kid: keys.current.kid }, claims, rawSign(alg, other.current.privateKey)));
  });

  it('rejects garbage of every shape', () => {
    for (const junk of ['', 'a', 'a.b', 'a.b.c', '...', `${'a'.repeat(5000)}.b.c`, 'eyJhbGciOiJSUzI1NiJ9.e30.']) rejects(keys, junk);
  });

  it('keeps the key across restarts (same data dir → same kid), whatever alg is configured later', () => {
    expect(loadSigningKeys(dir, { now }).current.kid).toBe(keys.current.kid);
    for (const other of SIGNING_ALGS) expect(loadSigningKeys(dir, { alg: other, now }).current.alg).toBe(alg);
  });
});

describe('algorithm confusion across key types (RFC 8725 §3.1: each key is used with exactly one algorithm)', () => {
  // One key of each type held at once, so RS256, ES256 and EdDSA are all on the allow-list.
  const dir = tempDir();
  rotateSigningKey(dir, { alg: 'RS256', activationDelaySeconds: 0, now });
  const es = rotateSigningKey(dir, { alg: 'ES256', activationDelaySeconds: 600, now: now + 1 });
  const ed = rotateSigningKey(dir, { alg: 'EdDSA', activationDelaySeconds: 600, now: now + 2 });
  const keys = loadSigningKeys(dir, { now: now + 3 });
  const rsa = keys.current;
  const { claims } = signAccessToken(keys, settings, subject, now);

  it('holds all three, the allow-list is exactly their algorithms, and RSA signs', () => {
    expect(rsa.alg).toBe('RS256');
    expect([...keys.at(now + 3).algorithms].sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
    expect([...keys.byKid.keys()].sort()).toEqual([rsa.kid, es.kid, ed.kid].sort());
    for (const k of [rsa, es, ed]) {
      const token = forge({ alg: k.alg, typ: 'at+jwt', kid: k.kid }, claims, rawSign(k.alg, k.privateKey));
      expect(verifyAccessToken(keys, settings, token, now).sub).toBe(subject.userId);
    }
  });

  it('only the algorithms of keys held are accepted', () => {
    const onlyRsa = loadSigningKeys(tempDir(), { alg: 'RS256', now });
    expect([...onlyRsa.at(now).algorithms]).toEqual(['RS256']);
    // A valid ES256 signature by a key of ours — but that key is not held by this set.
    rejects(onlyRsa, forge({ alg: 'ES256', typ: 'at+jwt', kid: es.kid }, claims, rawSign('ES256', es.privateKey)));
  });

  it('rejects a token whose alg is not its key’s alg, whatever key made the signature', () => {
    for (const key of [rsa, es, ed]) {
      for (const claimed of SIGNING_ALGS.filter((a) => a !== key.alg)) {
        for (const signer of [rsa, es, ed]) {
          if (signer.alg !== claimed) continue;
          rejects(keys, forge({ alg: claimed, typ: 'at+jwt', kid: key.kid }, claims, rawSign(claimed, signer.privateKey)));
        }
      }
    }
  });

  it('rejects HS256 keyed with any of our public keys, and "none" with any kid', () => {
    for (const key of [rsa, es, ed]) {
      for (const secret of [key.publicKey.export({ format: 'pem', type: 'spki' }), JSON.stringify(key.publicJwk)]) {
        rejects(keys, forge({ alg: 'HS256', typ: 'at+jwt', kid: key.kid }, claims, (i) => createHmac('sha256', secret).update(i).digest()));
      }
      rejects(keys, `${b64json({ alg: 'none', typ: 'at+jwt', kid: key.kid })}.${b64json(claims)}.`);
    }
  });

  it('ES256 signatures must be raw R‖S, 64 octets (RFC 7518 §3.4): DER is refused', () => {
    const header = { alg: 'ES256', typ: 'at+jwt', kid: es.kid };
    rejects(keys, forge(header, claims, (i) => sign('sha256', utf8(i), es.privateKey)));
    expect(verifyAccessToken(keys, settings, forge(header, claims, rawSign('ES256', es.privateKey)), now)).toEqual(claims);
  });

  it('rejects an RS256 token signed by an outside RSA key presented under our EC kid', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    rejects(keys, forge({ alg: 'RS256', typ: 'at+jwt', kid: es.kid }, claims, (i) => sign('sha256', utf8(i), privateKey)));
  });
});
