import { createHash, createHmac, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ERRORS,
  createDpopProof,
  fromBase64Url,
  generateDpopKeyPair,
  jwkThumbprint,
  publicJwk,
  toBase64Url,
  utf8,
} from '@watchword/protocol';
import type { ThumbprintJwk } from '@watchword/protocol';
import { MemoryStateStore } from '../../src/state/memory.ts';
import { openStateStore } from '../../src/state/index.ts';
import type { StateStore } from '../../src/state/types.ts';
import {
  type DpopVerifyContext,
  checkDpopReplay,
  createNonceIssuer,
  jwkThumbprintSync,
  verifyDpopProof,
} from '../../src/tokens/dpop.ts';
import { deleteKeysWithPrefix, stateKindsUnderTest, testRedisUrl, uniqueKeyPrefix } from '@watchword/testkit';

const URL_ = 'https://vault.example.com/api/v1/items';
const now = Date.UTC(2026, 10, 23, 12, 0, 0);
const nowS = now / 1000;
const ctx: DpopVerifyContext = { method: 'GET', url: URL_, now };

// A node:crypto ES256 key, to forge proofs the SDK would never make.
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecJwk = (key: KeyObject = ec.publicKey) => {
  const { kty, crv, x, y } = key.export({ format: 'jwk' });
  return { kty, crv, x, y };
};
const esSigner = (key: KeyObject) => (input: string) => sign('sha256', utf8(input), { key, dsaEncoding: 'ieee-p1363' });
const b64json = (v: unknown) => toBase64Url(utf8(JSON.stringify(v)));
function forge(header: Record<string, unknown>, claims: Record<string, unknown>, signer: (input: string) => Uint8Array = esSigner(ec.privateKey)): string {
  const input = `${b64json(header)}.${b64json(claims)}`;
  return `${input}.${toBase64Url(signer(input))}`;
}
const header = (extra: Record<string, unknown> = {}) => ({ typ: 'dpop+jwt', alg: 'ES256', jwk: ecJwk(), ...extra });
const claims = (extra: Record<string, unknown> = {}) => ({ jti: randomUUID(), htm: 'GET', htu: URL_, iat: nowS, ...extra });
const without = (object: Record<string, unknown>, name: string) => Object.fromEntries(Object.entries(object).filter(([k]) => k !== name));
const sha256b64 = (text: string) => toBase64Url(createHash('sha256').update(text).digest());

/** Expects INVALID_DPOP_PROOF with the generic message; `reason` pins which check fired (server-side cause). */
function rejects(proof: string, reason: RegExp, overrides: Partial<DpopVerifyContext> = {}): void {
  let error: unknown;
  try {
    verifyDpopProof(proof, { ...ctx, ...overrides });
  } catch (e) {
    error = e;
  }
  expect(error).toMatchObject({ code: 'INVALID_DPOP_PROOF', status: 401, message: ERRORS.INVALID_DPOP_PROOF.message });
  expect(String((error as Error).cause)).toMatch(reason);
}
const accepts = (proof: string, overrides: Partial<DpopVerifyContext> = {}) => verifyDpopProof(proof, { ...ctx, ...overrides });

// RFC 9449 §4.1 and §7.1 examples: proofs made with the example P-256 key whose jkt §6.1 publishes.
const RFC_HEADER =
  'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdC' +
  'RnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19';
const RFC_TOKEN_REQUEST_PROOF =
  `${RFC_HEADER}.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.` +
  '2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg';
const RFC_RESOURCE_PROOF =
  `${RFC_HEADER}.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJj` +
  'ZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9.' +
  '2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA';
const RFC_JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';
const RFC_ACCESS_TOKEN = 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU';

describe('verifyDpopProof — RFC 9449 examples', () => {
  it('§4.1: the token request proof verifies and yields the jkt of §6.1', () => {
    expect(verifyDpopProof(RFC_TOKEN_REQUEST_PROOF, { method: 'POST', url: 'https://server.example.com/token', now: 1562262616_000 })).toEqual({
      jkt: RFC_JKT,
      jti: '-BwC3ESc6acc2lTc',
      iat: 1562262616,
    });
  });

  it('§7.1: the protected resource proof verifies with its access token (ath) and binding (jkt)', () => {
    const resource = { method: 'GET', url: 'https://resource.example.org/protectedresource', now: 1562262618_000, accessToken: RFC_ACCESS_TOKEN, expectedJkt: RFC_JKT };
    expect(verifyDpopProof(RFC_RESOURCE_PROOF, resource)).toMatchObject({ jkt: RFC_JKT, jti: 'e1j3V_bKic8-LAEB' });
    rejects(RFC_RESOURCE_PROOF, /ath/, { ...resource, accessToken: `${RFC_ACCESS_TOKEN}x` });
    rejects(RFC_RESOURCE_PROOF, /binding/, { ...resource, expectedJkt: 'x'.repeat(43) });
  });
});

describe('verifyDpopProof — proofs from the SDK (protocol createDpopProof)', () => {
  let keyPair: CryptoKeyPair;
  let jkt: string;
  beforeAll(async () => {
    keyPair = await generateDpopKeyPair();
    jkt = await jwkThumbprint(await publicJwk(keyPair.publicKey));
  });

  it('accepts a fresh proof and returns its jkt, jti and iat', async () => {
    const proof = await createDpopProof(keyPair, { htm: 'POST', htu: 'https://vault.example.com/api/v1/auth/token', iat: nowS });
    const result = verifyDpopProof(proof, { method: 'POST', url: 'https://vault.example.com/api/v1/auth/token', now });
    expect(result.jkt).toBe(jkt);
    expect(result.iat).toBe(nowS);
    expect(result.jti).toBe(JSON.parse(Buffer.from(proof.split('.')[1] as string, 'base64url').toString()).jti);
  });

  it('accepts a resource proof bound to the access token and the key, and rejects it for another token or key', async () => {
    const accessToken = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
    const proof = await createDpopProof(keyPair, { htm: 'GET', htu: `${URL_}?since=3`, accessToken, iat: nowS });
    expect(accepts(proof, { accessToken, expectedJkt: jkt, url: `${URL_}?since=3` }).jkt).toBe(jkt);
    rejects(proof, /ath does not match/, { accessToken: `${accessToken}A`, expectedJkt: jkt });
    const other = await generateDpopKeyPair();
    rejects(proof, /binding/, { accessToken, expectedJkt: await jwkThumbprint(await publicJwk(other.publicKey)) });
  });

  it('accepts a proof carrying the server nonce', async () => {
    const issuer = createNonceIssuer(randomBytes(32));
    const proof = await createDpopProof(keyPair, { htm: 'GET', htu: URL_, iat: nowS, nonce: issuer.current(now) });
    expect(accepts(proof, { nonce: { current: () => issuer.current(now), accept: (n) => issuer.accept(n, now) } }).jkt).toBe(jkt);
  });
});

describe('verifyDpopProof — §4.3 checks', () => {
  it('accepts a well-formed proof made with node:crypto', () => {
    const c = claims();
    expect(accepts(forge(header(), c))).toEqual({ jkt: jwkThumbprintSync(ecJwk() as ThumbprintJwk), jti: c.jti, iat: nowS });
  });

  it('step 2: rejects a missing, oversized or malformed proof', () => {
    rejects('', /missing/);
    rejects('not-a-jwt', /compact/);
    rejects('a.b', /compact/);
    rejects(`${forge(header(), claims())}.extra`, /compact/);
    rejects(`${b64json(header())}.!!.sig`, /malformed/);
    rejects(`${b64json([header()])}.${b64json(claims())}.AAAA`, /malformed/);
    rejects(`${toBase64Url(utf8('{"typ":'))}.${b64json(claims())}.AAAA`, /malformed/);
    rejects(forge(header({ pad: 'x'.repeat(4096) }), claims()), /too large/);
  });

  it('step 3: rejects a proof without jti, htm, htu or iat', () => {
    rejects(forge(header(), without(claims(), 'jti')), /jti/);
    rejects(forge(header(), claims({ jti: '' })), /jti/);
    rejects(forge(header(), without(claims(), 'htm')), /htm\/htu missing/);
    rejects(forge(header(), without(claims(), 'htu')), /htm\/htu missing/);
    rejects(forge(header(), without(claims(), 'iat')), /iat missing/);
    rejects(forge(header(), claims({ iat: String(nowS) })), /iat missing/);
  });

  it('step 4: rejects a typ other than exactly dpop+jwt', () => {
    rejects(forge(header({ typ: 'JWT' }), claims()), /typ/);
    rejects(forge(header({ typ: 'at+jwt' }), claims()), /typ/);
    rejects(forge(header({ typ: 'DPoP+JWT' }), claims()), /typ/);
    rejects(forge(without(header(), 'typ'), claims()), /typ/);
  });

  it('step 5: rejects alg "none"', () => {
    rejects(`${b64json(header({ alg: 'none' }))}.${b64json(claims())}.`, /alg not allowed/);
    rejects(`${b64json(header({ alg: 'none' }))}.${b64json(claims())}.${toBase64Url(esSigner(ec.privateKey)('x'))}`, /alg not allowed/);
  });

  it('step 5: rejects HS256 keyed with the public jwk (algorithm confusion, RFC 8725 §2.1)', () => {
    const secret = JSON.stringify(ecJwk());
    rejects(forge(header({ alg: 'HS256' }), claims(), (i) => createHmac('sha256', secret).update(i).digest()), /alg not allowed/);
    rejects(forge(header({ alg: 'HS256', jwk: { kty: 'oct', k: toBase64Url(utf8('k')) } }), claims(), (i) => createHmac('sha256', 'k').update(i).digest()), /alg not allowed/);
  });

  it('step 5: rejects algorithms outside the allow-list even with a valid signature (RS256, ES384)', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { kty, n, e } = rsa.publicKey.export({ format: 'jwk' });
    rejects(forge(header({ alg: 'RS256', jwk: { kty, n, e } }), claims(), (i) => sign('sha256', utf8(i), rsa.privateKey)), /alg not allowed/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    rejects(forge(header({ alg: 'ES384', jwk: ecJwk(p384.publicKey) }), claims(), (i) => sign('sha384', utf8(i), { key: p384.privateKey, dsaEncoding: 'ieee-p1363' })), /alg not allowed/);
  });

  it('step 5: rejects a jwk whose kty/crv does not match alg', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    rejects(forge(header({ jwk: ecJwk(p384.publicKey) }), claims(), esSigner(p384.privateKey)), /kty\/crv/);
    const ed = generateKeyPairSync('ed25519');
    rejects(forge(header({ jwk: ed.publicKey.export({ format: 'jwk' }) }), claims(), (i) => sign(null, utf8(i), ed.privateKey)), /kty\/crv/);
    rejects(forge(header({ jwk: { ...ecJwk(), alg: 'ES384' } }), claims()), /jwk alg/);
  });

  it('rejects a crit header (no extension is understood, RFC 7515 §4.1.11)', () => {
    rejects(forge(header({ crit: ['b64'], b64: false }), claims()), /crit/);
  });

  it('step 6: rejects a missing jwk, a tampered signature, payload or header, and a signature by another key', () => {
    rejects(forge(without(header(), 'jwk'), claims()), /jwk header missing/);
    const proof = forge(header(), claims());
    const [h, p, s] = proof.split('.') as [string, string, string];
    const sig = fromBase64Url(s);
    sig[10] = (sig[10] ?? 0) ^ 0x01;
    rejects(`${h}.${p}.${toBase64Url(sig)}`, /signature/);
    rejects(`${h}.${p}.${toBase64Url(sig.subarray(0, 63))}`, /signature/);
    rejects(`${h}.${b64json(claims())}.${s}`, /signature/);
    rejects(`${b64json(header({ kid: 'x' }))}.${p}.${s}`, /signature/);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    rejects(forge(header(), claims(), esSigner(other.privateKey)), /signature/);
  });

  it('step 6: rejects a jwk that is not a valid P-256 public key', () => {
    const jwk = ecJwk();
    rejects(forge(header({ jwk: { ...jwk, x: toBase64Url(randomBytes(32)) } }), claims()), /not a valid public key|signature/);
    rejects(forge(header({ jwk: { ...jwk, x: toBase64Url(randomBytes(31)) } }), claims()), /wrong length/);
    rejects(forge(header({ jwk: { ...jwk, y: undefined } }), claims()), /coordinate missing/);
    rejects(forge(header({ jwk: { ...jwk, x: `${jwk.x}=` } }), claims()), /base64url/);
    // Same key bytes, non-canonical last character: would give the same key a second thumbprint.
    const x = jwk.x as string;
    const last = 'AEIMQUYcgkosw048'.includes(x.at(-1) ?? '') ? String.fromCharCode((x.at(-1) ?? 'A').charCodeAt(0) + 1) : x.at(-1);
    rejects(forge(header({ jwk: { ...jwk, x: `${x.slice(0, -1)}${last}` } }), claims()), /canonical/);
  });

  it('step 7: rejects a jwk that carries the private key', () => {
    const privateJwk = ec.privateKey.export({ format: 'jwk' });
    expect(privateJwk.d).toBeTypeOf('string');
    rejects(forge(header({ jwk: privateJwk }), claims()), /private/);
    for (const member of ['p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) rejects(forge(header({ jwk: { ...ecJwk(), [member]: 'AQAB' } }), claims()), /private/);
  });

  it('step 8: rejects another method (case-sensitive)', () => {
    rejects(forge(header(), claims({ htm: 'POST' })), /htm does not match/);
    rejects(forge(header(), claims({ htm: 'get' })), /htm does not match/);
    expect(accepts(forge(header(), claims({ htm: 'DELETE' })), { method: 'DELETE' }).iat).toBe(nowS);
  });

  it('step 9: rejects another path, host, scheme or port', () => {
    rejects(forge(header(), claims({ htu: 'https://vault.example.com/api/v1/vaults' })), /htu/);
    rejects(forge(header(), claims({ htu: 'https://vault.example.com/api/v1/items/' })), /htu/);
    rejects(forge(header(), claims({ htu: 'https://vault.example.com/API/v1/items' })), /htu/);
    rejects(forge(header(), claims({ htu: 'https://evil.example.com/api/v1/items' })), /htu/);
    rejects(forge(header(), claims({ htu: 'http://vault.example.com/api/v1/items' })), /htu/);
    rejects(forge(header(), claims({ htu: 'https://vault.example.com:8443/api/v1/items' })), /htu/);
    rejects(forge(header(), claims({ htu: 'https://user@vault.example.com/api/v1/items' })), /htu/);
    rejects(forge(header(), claims({ htu: '/api/v1/items' })), /htu/);
  });

  it('step 9: ignores the query and fragment of the request URL; the htu claim must carry neither (§4.2)', () => {
    expect(accepts(forge(header(), claims()), { url: `${URL_}?since=42&limit=10` }).iat).toBe(nowS);
    expect(accepts(forge(header(), claims()), { url: `${URL_}#frag` }).iat).toBe(nowS);
    rejects(forge(header(), claims({ htu: `${URL_}?since=42` })), /htu/, { url: `${URL_}?since=42` });
    rejects(forge(header(), claims({ htu: `${URL_}?` })), /htu/);
    rejects(forge(header(), claims({ htu: `${URL_}#x` })), /htu/);
  });

  it('step 9: compares after RFC 3986 §6.2.2/§6.2.3 normalisation (case of scheme and host, default port, %-encoding, dot segments)', () => {
    for (const htu of [
      'HTTPS://Vault.Example.COM/api/v1/items',
      'https://vault.example.com:443/api/v1/items',
      'https://vault.example.com/api/%76%31/items',
      'https://vault.example.com/api/v1/x/../items',
    ]) {
      expect(accepts(forge(header(), claims({ htu }))).iat).toBe(nowS);
    }
    expect(accepts(forge(header(), claims({ htu: 'https://vault.example.com/a%2fb' })), { url: 'https://VAULT.example.com:443/a%2Fb?q' }).iat).toBe(nowS);
    expect(accepts(forge(header(), claims({ htu: 'http://localhost:8080/' })), { url: 'http://localhost:8080' }).iat).toBe(nowS);
  });

  it('a request URL that is not absolute http(s) is a caller bug, not a bad proof', () => {
    expect(() => accepts(forge(header(), claims()), { url: '/api/v1/items' })).toThrow(TypeError);
  });

  it('step 11: rejects an iat older than maxAgeSeconds (60 s by default) or further ahead than the clock skew (5 s)', () => {
    expect(accepts(forge(header(), claims({ iat: nowS - 60 }))).iat).toBe(nowS - 60);
    rejects(forge(header(), claims({ iat: nowS - 61 })), /too old/);
    rejects(forge(header(), claims({ iat: nowS - 60.5 })), /too old/);
    rejects(forge(header(), claims({ iat: nowS - 3600 })), /too old/);
    expect(accepts(forge(header(), claims({ iat: nowS + 5 }))).iat).toBe(nowS + 5);
    rejects(forge(header(), claims({ iat: nowS + 6 })), /future/);
    rejects(forge(header(), claims({ iat: nowS - 11 })), /too old/, { maxAgeSeconds: 10 });
    expect(accepts(forge(header(), claims({ iat: nowS + 30 })), { clockSkewSeconds: 30 }).iat).toBe(nowS + 30);
  });

  it('step 12.1: with an access token, rejects a missing or wrong ath', () => {
    const accessToken = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
    expect(accepts(forge(header(), claims({ ath: sha256b64(accessToken) })), { accessToken }).iat).toBe(nowS);
    rejects(forge(header(), claims()), /ath missing/, { accessToken });
    rejects(forge(header(), claims({ ath: sha256b64('another.token.value') })), /ath does not match/, { accessToken });
    rejects(forge(header(), claims({ ath: accessToken })), /ath does not match/, { accessToken });
  });

  it('step 12.2: rejects a proof made with another key than the one the token is bound to', () => {
    const expectedJkt = jwkThumbprintSync(ecJwk() as ThumbprintJwk);
    expect(accepts(forge(header(), claims()), { expectedJkt }).jkt).toBe(expectedJkt);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    rejects(forge(header({ jwk: ecJwk(other.publicKey) }), claims(), esSigner(other.privateKey)), /binding/, { expectedJkt });
  });

  it('accepts EdDSA (Ed25519) proofs', () => {
    const ed = generateKeyPairSync('ed25519');
    const { kty, crv, x } = ed.publicKey.export({ format: 'jwk' });
    const proof = forge({ typ: 'dpop+jwt', alg: 'EdDSA', jwk: { kty, crv, x } }, claims(), (i) => sign(null, utf8(i), ed.privateKey));
    expect(accepts(proof).jkt).toBe(jwkThumbprintSync({ kty: 'OKP', crv: crv as string, x: x as string }));
    const [h, p] = proof.split('.');
    rejects(`${h}.${p}.${toBase64Url(sign(null, utf8(`${h}.${p}x`), ed.privateKey))}`, /signature/);
    const ed448 = generateKeyPairSync('ed448');
    rejects(forge({ typ: 'dpop+jwt', alg: 'EdDSA', jwk: ed448.publicKey.export({ format: 'jwk' }) }, claims(), (i) => sign(null, utf8(i), ed448.privateKey)), /kty\/crv/);
  });
});

describe('verifyDpopProof — server nonces (§8)', () => {
  const secret = randomBytes(32);
  const issuer = createNonceIssuer(secret, { windowSeconds: 300 });
  const nonceAt = (at: number): DpopVerifyContext['nonce'] => ({ current: () => issuer.current(at), accept: (n) => issuer.accept(n, at) });
  function useNonce(proof: string, at = now): unknown {
    try {
      verifyDpopProof(proof, { ...ctx, now: at, nonce: nonceAt(at) });
    } catch (e) {
      return e;
    }
    return undefined;
  }

  it('a proof without a nonce gets USE_DPOP_NONCE with the nonce to send in DPoP-Nonce', () => {
    const error = useNonce(forge(header(), claims()));
    expect(error).toMatchObject({ code: 'USE_DPOP_NONCE', status: 401, details: { dpopNonce: issuer.current(now) } });
  });

  it('a forged, garbled or expired nonce gets USE_DPOP_NONCE', () => {
    for (const nonce of [toBase64Url(randomBytes(32)), 'x', 42, issuer.current(now - 600_000), issuer.current(now + 300_000), createNonceIssuer(randomBytes(32)).current(now)]) {
      expect(useNonce(forge(header(), claims({ nonce })))).toMatchObject({ code: 'USE_DPOP_NONCE' });
    }
  });

  it('the nonces of the current and the previous window are accepted', () => {
    expect(useNonce(forge(header(), claims({ nonce: issuer.current(now) })))).toBeUndefined();
    expect(useNonce(forge(header(), claims({ nonce: issuer.current(now - 300_000) })))).toBeUndefined();
    // Just before the next window starts, the previous one's nonce still counts; one step later it no longer does.
    const stepStart = Math.floor(now / 300_000) * 300_000;
    const nonce = issuer.current(stepStart);
    expect(issuer.accept(nonce, stepStart + 599_999)).toBe(true);
    expect(issuer.accept(nonce, stepStart + 600_000)).toBe(false);
    expect(issuer.accept(nonce, stepStart - 1)).toBe(false);
  });

  it('is stateless: another instance with the same secret issues and accepts the same nonces', () => {
    const instanceB = createNonceIssuer(Uint8Array.from(secret), { windowSeconds: 300 });
    expect(instanceB.current(now)).toBe(issuer.current(now));
    expect(instanceB.accept(issuer.current(now), now)).toBe(true);
    expect(issuer.current(now)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issuer.current(now)).not.toBe(issuer.current(now + 300_000));
  });

  it('a proof that is otherwise invalid is INVALID_DPOP_PROOF, not a nonce retry', () => {
    const proof = forge(header(), claims({ htm: 'POST' }));
    expect(useNonce(proof)).toMatchObject({ code: 'INVALID_DPOP_PROOF' });
  });

  it('refuses a short secret or a bad window', () => {
    expect(() => createNonceIssuer(randomBytes(16))).toThrow(RangeError);
    expect(() => createNonceIssuer(randomBytes(32), { windowSeconds: 0 })).toThrow(RangeError);
    expect(() => createNonceIssuer(randomBytes(32), { windowSeconds: 1.5 })).toThrow(RangeError);
  });
});

describe('jwkThumbprintSync (server) agrees with jwkThumbprint (protocol)', () => {
  it('RFC 7638 §3.1 example', () => {
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5Js' +
      'GY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-' +
      'bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    expect(jwkThumbprintSync({ kty: 'RSA', n, e: 'AQAB' })).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('for EC, OKP and RSA keys made by node:crypto and WebCrypto', async () => {
    const webKey = await generateDpopKeyPair();
    const keys = [
      await publicJwk(webKey.publicKey),
      ecJwk(),
      generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }),
      generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }),
    ] as ThumbprintJwk[];
    for (const jwk of keys) expect(jwkThumbprintSync(jwk)).toBe(await jwkThumbprint(jwk));
  });
});

describe.each(stateKindsUnderTest())('checkDpopReplay — §11.1 jti cache (%s)', (kind) => {
  let store: StateStore;
  let keyPrefix = '';
  beforeAll(async () => {
    if (kind === 'memory') {
      store = new MemoryStateStore();
    } else {
      keyPrefix = uniqueKeyPrefix();
      store = await openStateStore({ redisUrl: testRedisUrl, keyPrefix });
    }
  });
  afterAll(async () => {
    await store?.close();
    if (kind === 'redis') await deleteKeysWithPrefix(keyPrefix);
  });
  const jkt = jwkThumbprintSync(ecJwk() as ThumbprintJwk);

  it('accepts a jti once and rejects it on the second use', async () => {
    const { jti } = accepts(forge(header(), claims()));
    await expect(checkDpopReplay(store, jti, jkt, 65_000)).resolves.toBeUndefined();
    await expect(checkDpopReplay(store, jti, jkt, 65_000)).rejects.toMatchObject({ code: 'INVALID_DPOP_PROOF', cause: 'jti replayed' });
    await expect(checkDpopReplay(store, randomUUID(), jkt, 65_000)).resolves.toBeUndefined();
  });

  it('scopes jti to the key: the same jti under another key is not a replay', async () => {
    const jti = randomUUID();
    await checkDpopReplay(store, jti, jkt, 65_000);
    await expect(checkDpopReplay(store, jti, 'A'.repeat(43), 65_000)).resolves.toBeUndefined();
  });

  it('lets exactly one of concurrent uses of a jti through', async () => {
    const jti = randomUUID();
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => checkDpopReplay(store, jti, jkt, 65_000)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuses a jkt that is not a thumbprint (caller bug)', async () => {
    await expect(checkDpopReplay(store, randomUUID(), 'short', 65_000)).rejects.toThrow(TypeError);
  });
});

describe('checkDpopReplay — key layout', () => {
  it('writes dpop-jti:<sha256(jkt + jti)> with the given TTL, and forgets it afterwards', async () => {
    let clock = now;
    const store = new MemoryStateStore({ now: () => clock });
    try {
      const jkt = 'B'.repeat(43);
      await checkDpopReplay(store, 'j1', jkt, 65_000);
      expect(await store.get(`dpop-jti:${sha256b64(`${jkt}j1`)}`)).toBe('1');
      clock += 65_000;
      await expect(checkDpopReplay(store, 'j1', jkt, 65_000)).resolves.toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
