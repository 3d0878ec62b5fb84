import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import {
  type AccountData,
  PASSWORD_HISTORY_LENGTH,
  isPasswordInHistory,
  normaliseEmail,
  passwordFingerprint,
} from '@watchword/protocol';

/**
 * The master-password policy. The server never sees the password (OPAQUE), so this
 * runs on the client, before registration and before every password change.
 *
 * It follows NIST SP 800-63B §5.1.1.2 (memorized secret verifiers):
 * - no composition rules (no "one digit, one symbol");
 * - a minimum length, counted in Unicode code points after NFKC, the same
 *   normalisation OPAQUE applies to the password;
 * - a generous maximum (800-63B asks for at least 64), so passphrases fit;
 * - a check against lists of commonly used, expected or compromised values: the
 *   zxcvbn-ts estimator with its common-password and English dictionaries, plus
 *   context-specific words (the e-mail address, "watchword") and a few passphrases
 *   famous enough to be in every cracking list;
 * - no reuse of the last {@link PASSWORD_HISTORY_LENGTH} master passwords, through
 *   the keyed fingerprints of `@watchword/protocol`'s account data.
 */

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;
/** zxcvbn score 3: "safely unguessable: moderate protection from offline slow-hash scenario". */
export const MIN_PASSWORD_SCORE = 3;

export type PasswordProblem = 'too_short' | 'too_long' | 'too_weak' | 'reused';
export type PasswordScore = 0 | 1 | 2 | 3 | 4;

export interface PasswordCheck {
  ok: boolean;
  /** The zxcvbn-ts score of the (NFKC-normalised) password. */
  score: PasswordScore;
  /** Empty exactly when `ok`; in a fixed order: length, strength, reuse. */
  problems: PasswordProblem[];
  /** zxcvbn's English warning, if it has one (fixed text, never part of the password). */
  warning?: string;
  /** zxcvbn's English suggestions (fixed text). */
  suggestions: string[];
}

export interface PasswordCheckOptions {
  /** The account's e-mail address: it and its parts count as guessable. */
  email?: string;
  /** The account key and the decrypted account data, to refuse recent passwords. */
  history?: { accountKey: Uint8Array; data: AccountData };
}

/** Thrown by {@link assertPasswordAcceptable}. Its message never contains the password. */
export class PasswordPolicyError extends Error {
  readonly code = 'PASSWORD_POLICY' as const;
  readonly problems: readonly PasswordProblem[];
  readonly score: PasswordScore;
  readonly warning: string | undefined;
  readonly suggestions: readonly string[];
  constructor(check: PasswordCheck) {
    super(describeProblems(check));
    this.name = 'PasswordPolicyError';
    this.problems = [...check.problems];
    this.score = check.score;
    this.warning = check.warning;
    this.suggestions = [...check.suggestions];
  }
}

/**
 * Checks a candidate master password against the policy. The first call loads the
 * zxcvbn-ts dictionaries (a few MB), later calls reuse them.
 */
export async function checkPassword(password: string, options: PasswordCheckOptions = {}): Promise<PasswordCheck> {
  const normalised = password.normalize('NFKC');
  const length = codePointLength(normalised);
  const { history } = options;
  const [estimator, reused] = await Promise.all([
    loadEstimator(),
    history
      ? passwordFingerprint(history.accountKey, password).then((fp) => isPasswordInHistory(history.data, fp))
      : Promise.resolve(false),
  ]);
  const result = estimator.check(normalised, userInputs(options.email));
  const score = result.score as PasswordScore;

  const problems: PasswordProblem[] = [];
  if (length < MIN_PASSWORD_LENGTH) problems.push('too_short');
  if (length > MAX_PASSWORD_LENGTH) problems.push('too_long');
  if (score < MIN_PASSWORD_SCORE) problems.push('too_weak');
  if (reused) problems.push('reused');

  const check: PasswordCheck = {
    ok: problems.length === 0,
    score,
    problems,
    suggestions: [...result.feedback.suggestions],
  };
  if (result.feedback.warning) check.warning = result.feedback.warning;
  return check;
}

/**
 * Like {@link checkPassword}, but throws when the password is not acceptable.
 * @throws {PasswordPolicyError} with `.problems` and a human-readable message.
 */
export async function assertPasswordAcceptable(
  password: string,
  options: PasswordCheckOptions = {},
): Promise<PasswordCheck> {
  const check = await checkPassword(password, options);
  if (!check.ok) throw new PasswordPolicyError(check);
  return check;
}

// ---------------------------------------------------------------------------------

const PRODUCT_WORDS = ['watchword'];

/**
 * Passphrases published as examples so widely that they are in every cracking
 * list, though zxcvbn rates them as four independent words. Each is also matched
 * with its words run together or joined by common separators.
 */
const FAMOUS_PASSPHRASES: readonly string[][] = [
  ['correct', 'horse', 'battery', 'staple'],
  ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'the', 'lazy', 'dog'],
  ['lorem', 'ipsum', 'dolor', 'sit', 'amet'],
  ['to', 'be', 'or', 'not', 'to', 'be'],
  ['may', 'the', 'force', 'be', 'with', 'you'],
  ['open', 'sesame'],
];
const SEPARATORS = ['', ' ', '-', '_', '.'];

function famousPassphraseDictionary(): string[] {
  return FAMOUS_PASSPHRASES.flatMap((words) => SEPARATORS.map((separator) => words.join(separator)));
}

/**
 * zxcvbn's cost grows with length (about 5 ms per character of random text), so only
 * this prefix is estimated. That is conservative: a prefix can only look weaker than
 * the whole password, never stronger, and 128 characters that score ≥ 3 are plenty.
 */
const ESTIMATOR_MAX_LENGTH = 128;

let estimatorPromise: Promise<ZxcvbnFactory> | undefined;

/** Loads zxcvbn-ts and its dictionaries on first use (dynamic import), then caches it. */
function loadEstimator(): Promise<ZxcvbnFactory> {
  estimatorPromise ??= (async () => {
    const [core, common, en] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
      import('@zxcvbn-ts/language-en'),
    ]);
    return new core.ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary, 'passwords-famousPassphrases': famousPassphraseDictionary() },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
      maxLength: ESTIMATOR_MAX_LENGTH,
    });
  })().catch((error: unknown) => {
    estimatorPromise = undefined; // let a later call retry
    throw error;
  });
  return estimatorPromise;
}

/** Words the user (or an attacker who targets them) would think of first. */
function userInputs(email: string | undefined): string[] {
  const inputs = new Set(PRODUCT_WORDS);
  if (email !== undefined && email.trim() !== '') {
    const address = normaliseEmail(email);
    const at = address.lastIndexOf('@');
    const local = at === -1 ? address : address.slice(0, at);
    const domainLabels = at === -1 ? [] : address.slice(at + 1).split('.');
    const localParts = local.split(/[._+-]+/);
    inputs.add(address);
    inputs.add(local);
    inputs.add(localParts.join(''));
    for (const part of localParts) inputs.add(part);
    // The domain without its top-level label ("example" of "example.com").
    for (const label of domainLabels.slice(0, -1)) inputs.add(label);
  }
  // One- and two-character fragments would match inside almost any password.
  return [...inputs].filter((input) => codePointLength(input) >= 3);
}

function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

const MESSAGES: Record<PasswordProblem, string> = {
  too_short: `Password is too short: use at least ${MIN_PASSWORD_LENGTH} characters.`,
  too_long: `Password is too long: use at most ${MAX_PASSWORD_LENGTH} characters.`,
  too_weak: 'Password is too weak: add another word or two; uncommon words are better.',
  reused: `Password was used recently: choose one that differs from your last ${PASSWORD_HISTORY_LENGTH} master passwords.`,
};

/** Built only from fixed strings: never echoes the password. */
function describeProblems(check: PasswordCheck): string {
  const parts = check.problems.map((problem) => MESSAGES[problem]);
  if (check.problems.includes('too_weak') && check.warning) parts.push(check.warning);
  return parts.join(' ') || 'Password is not acceptable.';
}
