/** base64url (RFC 4648 §5, no padding): the RFC's §10 test vectors, on the native and the portable path. */
import { describe, expect, it } from 'vitest';
import { fromBase64Url, fromBase64UrlPortable, toBase64Url, toBase64UrlPortable, utf8 } from '../src/encoding.ts';

// RFC 4648 §10: BASE64("") = "", ("f") = "Zg==", ("fo") = "Zm8=", ("foo") = "Zm9v", ("foob") = "Zm9vYg==",
// ("fooba") = "Zm9vYmE=", ("foobar") = "Zm9vYmFy" — here without the padding.
const VECTORS: [string, string][] = [
  ['', ''],
  ['f', 'Zg'],
  ['fo', 'Zm8'],
  ['foo', 'Zm9v'],
  ['foob', 'Zm9vYg'],
  ['fooba', 'Zm9vYmE'],
  ['foobar', 'Zm9vYmFy'],
];

describe('base64url', () => {
  it.each(VECTORS)('encodes %j as %j on both paths, and decodes it back', (text, encoded) => {
    expect(toBase64Url(utf8(text))).toBe(encoded);
    expect(toBase64UrlPortable(utf8(text))).toBe(encoded);
    expect(fromBase64Url(encoded)).toEqual(utf8(text));
    expect(fromBase64UrlPortable(encoded)).toEqual(utf8(text));
  });

  it('uses the URL-safe alphabet (- and _) and respects a view’s offset and length', () => {
    const bytes = new Uint8Array([0xff, 0xfb, 0xef, 0xbe, 0xff]);
    expect(toBase64Url(bytes.subarray(0, 3))).toBe('__vv');
    expect(toBase64UrlPortable(bytes.subarray(0, 3))).toBe('__vv');
    expect(toBase64Url(bytes.subarray(1, 4))).toBe(toBase64UrlPortable(bytes.subarray(1, 4)));
    const random = new Uint8Array(70_000).map((_, i) => (i * 7919) % 256); // longer than one 0x8000 chunk of the portable path
    expect(toBase64Url(random)).toBe(toBase64UrlPortable(random));
    const decoded = fromBase64Url(toBase64Url(random));
    expect(decoded).toEqual(random);
    expect(fromBase64UrlPortable(toBase64Url(random))).toEqual(random);
    // A plain Uint8Array over its own ArrayBuffer (not a view into Node's Buffer pool).
    expect(Object.getPrototypeOf(fromBase64Url('Zm9v'))).toBe(Uint8Array.prototype);
    expect(fromBase64Url('Zm9v').buffer.byteLength).toBe(3);
  });

  it('refuses anything but base64url', () => {
    for (const bad of ['Zm9v+', 'Zm9v/', 'Zm9v=', 'Z', 'Zm 9v']) expect(() => fromBase64Url(bad)).toThrow(/invalid base64url/);
  });
});
