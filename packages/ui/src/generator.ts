import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, generatePassword } from '@watchword/protocol';

/** The password generator's choices, as both apps offer them. */
export interface GeneratorOptions {
  length: number;
  lowercase: boolean;
  uppercase: boolean;
  digits: boolean;
  symbols: boolean;
  avoidAmbiguous: boolean;
}

export const GENERATOR_DEFAULTS: Readonly<GeneratorOptions> = { length: 20, lowercase: true, uppercase: true, digits: true, symbols: true, avoidAmbiguous: false };

/** The lengths a generator offers: the protocol's bounds, capped at 64 for a slider. */
export const GENERATOR_LENGTH = { min: PASSWORD_MIN_LENGTH, max: Math.min(PASSWORD_MAX_LENGTH, 64) } as const;

/** A password for the options (the protocol's unbiased generator), or '' when they allow none (no character class). */
export function generateOrEmpty(options: GeneratorOptions): string {
  try {
    return generatePassword(options);
  } catch {
    return '';
  }
}
