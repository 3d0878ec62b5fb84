import { utf8 } from './encoding.ts';

/**
 * Builds the additional authenticated data for one envelope purpose:
 * `utf8(label ‖ "\0" ‖ part₁ ‖ "\0" ‖ … ‖ partₙ)`.
 * NUL separates the parts, so a part containing NUL (or an empty part) would make
 * the encoding ambiguous and is refused.
 * @internal
 */
export function buildAad(label: string, ...parts: string[]): Uint8Array<ArrayBuffer> {
  for (const part of parts) {
    if (part.length === 0 || part.includes('\0')) throw new TypeError('AAD parts must be non-empty and NUL-free');
  }
  return utf8([label, ...parts].join('\0'));
}
