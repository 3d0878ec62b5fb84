/**
 * Everything a secret can look like on the wire or on disk: plain UTF-8, hex (both cases), and base64/base64url
 * at every byte alignment (a secret inside a larger encoded value shifts by 0, 1 or 2 bytes).
 */
export function secretNeedles(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const needles = new Set<string>([secret, bytes.toString('hex'), bytes.toString('hex').toUpperCase()]);
  for (let shift = 0; shift < 3; shift++) {
    const shifted = Buffer.concat([Buffer.alloc(shift), bytes]);
    for (const enc of ['base64', 'base64url'] as const) {
      const text = shifted.toString(enc).replace(/=+$/, '');
      // Drop the characters that mix in the neighbouring bytes at both ends.
      const inner = text.slice(shift === 0 ? 0 : 4, text.length - 4);
      if (inner.length >= 8) needles.add(inner);
    }
  }
  return [...needles];
}

/** Which needles of which secrets occur in the haystack (empty when none). */
export function findSecrets(haystack: string | Buffer, secrets: Record<string, string>): string[] {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  const hits: string[] = [];
  for (const [label, secret] of Object.entries(secrets)) {
    for (const needle of secretNeedles(secret)) {
      const n = typeof haystack === 'string' ? needle : Buffer.from(needle, 'utf8').toString('latin1');
      if (text.includes(n)) hits.push(`${label} as "${needle}"`);
    }
  }
  return hits;
}
