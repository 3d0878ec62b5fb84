import { WatchwordError } from './errors.ts';

/**
 * Random passwords from the platform CSPRNG (`crypto.getRandomValues`).
 *
 * Each character is drawn uniformly from the union of the selected classes by
 * rejection sampling (no modulo bias). A candidate missing a selected class is thrown
 * away whole and drawn again, so the result is uniform over all passwords of that
 * length that contain every selected class.
 */
export interface PasswordOptions {
  /** 8..128, default 20. */
  length?: number;
  lowercase?: boolean;
  uppercase?: boolean;
  digits?: boolean;
  symbols?: boolean;
  /** Leave out characters that are easy to misread: 0 O o 1 l I |. */
  avoidAmbiguous?: boolean;
}

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

const CLASSES = {
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  symbols: '!#$%&()*+,-./:;<=>?@[]^_{|}~',
} as const;
const AMBIGUOUS = new Set('0Oo1lI|');

type ClassName = keyof typeof CLASSES;

export function generatePassword(options: PasswordOptions = {}): string {
  const { length = 20, avoidAmbiguous = false } = options;
  if (!Number.isInteger(length) || length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new WatchwordError('VALIDATION_FAILED', { details: { field: 'length' } });
  }
  const selected = (Object.keys(CLASSES) as ClassName[]).filter((name) => options[name] ?? true);
  if (selected.length === 0) throw new WatchwordError('VALIDATION_FAILED', { details: { field: 'classes' } });

  const classes = selected.map((name) => [...CLASSES[name]].filter((c) => !(avoidAmbiguous && AMBIGUOUS.has(c))));
  const alphabet = classes.flat();
  // With ≥ 8 characters and ≤ 4 classes a retry is rare; the loop always terminates in practice.
  for (;;) {
    const candidate = Array.from({ length }, () => alphabet[randomIndex(alphabet.length)]!);
    if (classes.every((chars) => candidate.some((c) => chars.includes(c)))) return candidate.join('');
  }
}

/** A uniform integer in [0, n) by rejection sampling over 32-bit words (n ≤ 2^32). */
function randomIndex(n: number): number {
  const limit = 2 ** 32 - (2 ** 32 % n); // largest multiple of n that fits in 32 bits
  const word = new Uint32Array(1);
  for (;;) {
    globalThis.crypto.getRandomValues(word);
    if (word[0]! < limit) return word[0]! % n;
  }
}
