import { fromBase64Url, fromUtf8 } from '@watchword/protocol';

/** A compact JWS split into its decoded parts (RFC 7515 §7.1); nothing is verified yet. */
export interface CompactJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: Uint8Array;
  /** ASCII(BASE64URL(header) || '.' || BASE64URL(payload)): what the signature covers (RFC 7515 §5.2). */
  signingInput: string;
}

function decodeJsonObject(part: string): Record<string, unknown> {
  const value: unknown = JSON.parse(fromUtf8(fromBase64Url(part)));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('not a JSON object');
  return value as Record<string, unknown>;
}

/**
 * Parses a compact JWS of at most `maxLength` characters whose header and payload are JSON objects.
 * Returns a short reason instead of throwing, so each caller answers with its own (generic) error.
 */
export function parseCompactJws(token: string, maxLength: number): CompactJws | { error: string } {
  if (token.length === 0) return { error: 'empty' };
  if (token.length > maxLength) return { error: 'too large' };
  const parts = token.split('.');
  if (parts.length !== 3) return { error: 'not a compact JWS' };
  const [h, p, s] = parts as [string, string, string];
  try {
    return { header: decodeJsonObject(h), payload: decodeJsonObject(p), signature: fromBase64Url(s), signingInput: `${h}.${p}` };
  } catch {
    return { error: 'malformed JWT' };
  }
}
