import { describe, expect, it } from 'vitest';
import {
  createDpopProof,
  dpopAccessTokenHash,
  generateDpopKeyPair,
  jwkThumbprint,
  jwkThumbprintInput,
  publicJwk,
} from '../src/dpop.ts';
import { fromBase64Url, fromUtf8, utf8 } from '../src/encoding.ts';

// The proof is checked end to end by the server's verifier in packages/server/test/tokens/dpop.test.ts.

const decode = (part: string | undefined): Record<string, unknown> => JSON.parse(fromUtf8(fromBase64Url(part ?? '')));

// RFC 7638 §3.1 (https://www.rfc-editor.org/rfc/rfc7638#section-3.1): the RSA key of RFC 7517 Appendix A.1.
const RFC7638_RSA_JWK = {
  kty: 'RSA',
  n:
    '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5Js' +
    'GY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-' +
    'bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
} as const;

describe('jwkThumbprint — RFC 7638', () => {
  it('§3.1 example: the RSA key of RFC 7517 Appendix A.1', async () => {
    expect(await jwkThumbprint(RFC7638_RSA_JWK)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('§3.2/§3.3: hashes only the required members, in lexicographic order, without whitespace', () => {
    expect(jwkThumbprintInput(RFC7638_RSA_JWK)).toBe(`{"e":"AQAB","kty":"RSA","n":"${RFC7638_RSA_JWK.n}"}`);
    expect(jwkThumbprintInput({ y: 'Y', x: 'X', kty: 'EC', crv: 'P-256', kid: 'k', use: 'sig' } as never)).toBe(
      '{"crv":"P-256","kty":"EC","x":"X","y":"Y"}',
    );
    expect(jwkThumbprintInput({ x: 'X', kty: 'OKP', crv: 'Ed25519', d: 'secret' } as never)).toBe('{"crv":"Ed25519","kty":"OKP","x":"X"}');
  });

  it('RFC 8037 Appendix A.3: the Ed25519 (OKP) example', async () => {
    expect(await jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' })).toBe(
      'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
    );
  });

  it('RFC 9449 §6.1: the jkt of the example EC P-256 key', async () => {
    const jwk = { kty: 'EC', x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs', y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA', crv: 'P-256' } as const;
    expect(await jwkThumbprint(jwk)).toBe('0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I');
  });

  it('refuses key types and members it cannot canonicalise', async () => {
    await expect(jwkThumbprint({ kty: 'oct', k: 'AAAA' } as never)).rejects.toThrow(TypeError);
    await expect(jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'X' } as never)).rejects.toThrow(TypeError);
  });
});

describe('dpopAccessTokenHash — RFC 9449 §4.2 ath', () => {
  it('§7.1 example: the hash of the example access token', async () => {
    expect(await dpopAccessTokenHash('Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU')).toBe('fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo');
  });

  it('refuses a token that is not ASCII', async () => {
    await expect(dpopAccessTokenHash('tökén')).rejects.toThrow(TypeError);
    await expect(dpopAccessTokenHash('')).rejects.toThrow(TypeError);
  });
});

describe('DPoP key pair', () => {
  it('is ECDSA P-256 with a non-extractable private key and an extractable public key', async () => {
    const { privateKey, publicKey } = await generateDpopKeyPair();
    expect(privateKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    expect(privateKey.extractable).toBe(false);
    expect(privateKey.usages).toEqual(['sign']);
    await expect(globalThis.crypto.subtle.exportKey('jwk', privateKey)).rejects.toThrow();
    expect(publicKey.extractable).toBe(true);
  });

  it('publicJwk has exactly kty, crv, x and y', async () => {
    const { publicKey } = await generateDpopKeyPair();
    const jwk = await publicJwk(publicKey);
    expect(Object.keys(jwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(fromBase64Url(jwk.x)).toHaveLength(32);
    expect(fromBase64Url(jwk.y)).toHaveLength(32);
  });

  it('publicJwk refuses a key that is not P-256', async () => {
    const other = await globalThis.crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign']);
    await expect(publicJwk(other.publicKey)).rejects.toThrow(TypeError);
  });
});

describe('createDpopProof — RFC 9449 §4.2', () => {
  it('header is {typ: dpop+jwt, alg: ES256, jwk} with the public key only', async () => {
    const keyPair = await generateDpopKeyPair();
    const proof = await createDpopProof(keyPair, { htm: 'POST', htu: 'https://vault.example.com/api/v1/auth/token' });
    const parts = proof.split('.');
    expect(parts).toHaveLength(3);
    expect(decode(parts[0])).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: await publicJwk(keyPair.publicKey) });
  });

  it('claims are jti, htm, htu and iat; htu loses its query and fragment', async () => {
    const keyPair = await generateDpopKeyPair();
    const before = Math.floor(Date.now() / 1000);
    const proof = await createDpopProof(keyPair, { htm: 'GET', htu: 'https://vault.example.com/api/v1/items?since=42#top' });
    const claims = decode(proof.split('.')[1]);
    expect(Object.keys(claims)).toEqual(['jti', 'htm', 'htu', 'iat']);
    expect(claims).toMatchObject({ htm: 'GET', htu: 'https://vault.example.com/api/v1/items' });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    // 128 random bits, base64url.
    expect(fromBase64Url(claims.jti as string)).toHaveLength(16);
  });

  it('jti differs on every proof', async () => {
    const keyPair = await generateDpopKeyPair();
    const jtis = new Set<unknown>();
    for (let i = 0; i < 20; i++) jtis.add(decode((await createDpopProof(keyPair, { htm: 'GET', htu: 'https://a.example/' })).split('.')[1]).jti);
    expect(jtis.size).toBe(20);
  });

  it('adds ath (hash of the access token) and nonce when given, and uses the given iat', async () => {
    const keyPair = await generateDpopKeyPair();
    const proof = await createDpopProof(keyPair, {
      htm: 'GET',
      htu: 'https://resource.example.org/protectedresource',
      accessToken: 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU',
      nonce: 'eyJ7S_zG.eyJH0-Z.HX4w-7v',
      iat: 1562262618,
    });
    expect(decode(proof.split('.')[1])).toMatchObject({
      iat: 1562262618,
      ath: 'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo',
      nonce: 'eyJ7S_zG.eyJH0-Z.HX4w-7v',
    });
  });

  it('signature is a 64-byte r‖s ES256 signature over header.payload (WebCrypto verifies it)', async () => {
    const keyPair = await generateDpopKeyPair();
    const proof = await createDpopProof(keyPair, { htm: 'GET', htu: 'https://a.example/x' });
    const [h, p, s] = proof.split('.') as [string, string, string];
    const signature = fromBase64Url(s);
    expect(signature).toHaveLength(64);
    const ok = (input: string) => globalThis.crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, keyPair.publicKey, signature, utf8(input));
    expect(await ok(`${h}.${p}`)).toBe(true);
    expect(await ok(`${h}.${p}x`)).toBe(false);
  });

  it('refuses an htu that is not an absolute http(s) URL', async () => {
    const keyPair = await generateDpopKeyPair();
    await expect(createDpopProof(keyPair, { htm: 'GET', htu: '/api/v1/items' })).rejects.toThrow(TypeError);
    await expect(createDpopProof(keyPair, { htm: 'GET', htu: 'ftp://a.example/x' })).rejects.toThrow(TypeError);
  });
});
