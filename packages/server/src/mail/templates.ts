/**
 * The plain-text messages the server sends. Each returns `{ subject, text }` for
 * Mailer.send. Values the user or their client controls (device names, user agents,
 * addresses) go through {@link sanitizeLine} and stand on a line of their own, so they
 * cannot forge paragraphs of the message or pass for a link in running text.
 */

export interface MailContent {
  subject: string;
  text: string;
}

export type FactorKind = 'totp' | 'webauthn' | 'backup_codes';

const PRODUCT = 'Watchword';

/** Longest user-controlled value a message shows, in code points. */
export const MAX_LINE_LENGTH = 128;

/**
 * Control characters (C0 including CR/LF/TAB, DEL, C1 including NEL), the Unicode line and
 * paragraph separators, and the bidirectional formatting characters (which can make text
 * read differently from what it is, CVE-2021-42574 "Trojan Source").
 */
const UNSAFE_RE = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]+/gu;

/**
 * Makes a user-controlled value safe to show on one line of a message: unsafe characters
 * become spaces, whitespace runs collapse, ends are trimmed, and the result is cut to
 * `maxLength` code points (the last one an ellipsis when cut). May return ''.
 */
export function sanitizeLine(value: string, maxLength = MAX_LINE_LENGTH): string {
  const line = value.replace(UNSAFE_RE, ' ').replace(/\s+/gu, ' ').trim();
  const chars = Array.from(line);
  if (chars.length <= maxLength) return line;
  return `${chars.slice(0, Math.max(0, maxLength - 1)).join('').trimEnd()}…`;
}

export function verifyEmail(input: { link: string; expiresMinutes: number }): MailContent {
  return message(`Confirm your e-mail address for ${PRODUCT}`, [
    `To confirm that this address belongs to your ${PRODUCT} account, open this link:`,
    link(input.link),
    `The link expires ${inMinutes(input.expiresMinutes)} and works once.`,
    `If you did not create a ${PRODUCT} account, ignore this message: nothing happens without the link.`,
  ]);
}

export function registrationAttempt(): MailContent {
  return message(`Someone tried to register your e-mail address at ${PRODUCT}`, [
    `Someone tried to create a new ${PRODUCT} account with this e-mail address. It already has an account, so nothing was created or changed, and no action is needed.`,
    `If it was you, log in with your master password instead. If you have forgotten it, use account recovery with your recovery key.`,
    `If it was not you, you can ignore this message. Your account and vault are unaffected.`,
  ]);
}

export function newDeviceLogin(input: { deviceName: string; ip: string; userAgent: string; at: Date }): MailContent {
  return message(`New sign-in to your ${PRODUCT} account`, [
    `Your ${PRODUCT} account was just used to sign in on a device it has not seen before:`,
    [
      `Device: ${shown(input.deviceName)}`,
      `Browser or app: ${shown(input.userAgent)}`,
      `IP address: ${shown(input.ip)}`,
      `Time: ${formatTime(input.at)}`,
    ].join('\n'),
    'If this was you, no action is needed.',
    NOT_YOU,
  ]);
}

export function passwordChanged(input: { at: Date }): MailContent {
  return message(`Your ${PRODUCT} master password was changed`, [
    `The master password of your ${PRODUCT} account was changed on ${formatTime(input.at)}.`,
    'If this was you, no action is needed.',
    `If it was not you, someone else knows your master password. Use account recovery with your recovery key right away, then review your second factors and sessions.`,
  ]);
}

export function factorAdded(input: { kind: FactorKind; name?: string | undefined }): MailContent {
  const factor = FACTORS[input.kind];
  return message(`${factor.title} added to your ${PRODUCT} account`, [
    `${factor.added} Your ${PRODUCT} account now asks for it when you sign in.`,
    ...nameLine(input.name),
    'If this was you, no action is needed.',
    NOT_YOU,
  ]);
}

/** A passkey that signs in and unlocks was added (issue 22): it opens the account without the master password. */
export function passkeyAdded(input: { name: string }): MailContent {
  return message(`Passkey added to your ${PRODUCT} account`, [
    `A passkey was added to your ${PRODUCT} account. It can sign you in and unlock your vault without the master password.`,
    ...nameLine(input.name),
    'If this was you, no action is needed.',
    NOT_YOU,
  ]);
}

export function passkeyRemoved(input: { name: string }): MailContent {
  return message(`Passkey removed from your ${PRODUCT} account`, [
    `A passkey was removed from your ${PRODUCT} account. It can no longer sign you in or unlock your vault.`,
    ...nameLine(input.name),
    'If this was you, no action is needed.',
    NOT_YOU,
  ]);
}

export function factorRemoved(input: { kind: FactorKind; name?: string | undefined }): MailContent {
  const factor = FACTORS[input.kind];
  return message(`${factor.title} removed from your ${PRODUCT} account`, [
    `${factor.removed} It can no longer be used to sign in to your ${PRODUCT} account.`,
    ...nameLine(input.name),
    'If this was you, no action is needed.',
    NOT_YOU,
  ]);
}

export function recoveryRequested(input: { link: string; token: string; expiresMinutes: number }): MailContent {
  return message(`Recover your ${PRODUCT} account`, [
    `Someone asked to recover the ${PRODUCT} account for this e-mail address. To continue, open this link:`,
    link(input.link),
    'Or, in the command-line client, enter this recovery code:',
    link(input.token),
    `The link and the code expire ${inMinutes(input.expiresMinutes)} and work once. You will also need your recovery key: ${PRODUCT} cannot decrypt your vault without it.`,
    'If you did not ask for this, ignore this message: nothing changes without the link or the code.',
  ]);
}

export function recoveryUsed(input: { at: Date; ip: string }): MailContent {
  return message(`Your ${PRODUCT} account was recovered`, [
    `Your ${PRODUCT} account was recovered with its recovery key and a new master password was set:`,
    [`Time: ${formatTime(input.at)}`, `IP address: ${shown(input.ip)}`].join('\n'),
    'If this was you, no action is needed. Keep your new recovery key somewhere safe.',
    `If it was not you, someone has your recovery key and access to this mailbox. Contact the administrator of your ${PRODUCT} server at once.`,
  ]);
}

export function vaultReset(input: { at: Date; ip: string }): MailContent {
  return message(`Your ${PRODUCT} vault was reset`, [
    `The vault of your ${PRODUCT} account was reset: every item stored in it was permanently deleted and a new master password was set.`,
    [`Time: ${formatTime(input.at)}`, `IP address: ${shown(input.ip)}`].join('\n'),
    'If this was you, no action is needed.',
    `If it was not you, someone has access to this mailbox. Secure it, then contact the administrator of your ${PRODUCT} server.`,
  ]);
}

export function accountDeleted(input: { at: Date }): MailContent {
  return message(`Your ${PRODUCT} account was deleted`, [
    `Your ${PRODUCT} account and every item in its vault were permanently deleted on ${formatTime(input.at)}. This cannot be undone.`,
    `If this was not you, contact the administrator of your ${PRODUCT} server.`,
  ]);
}

// ---------------------------------------------------------------------------------------

const FACTORS: Record<FactorKind, { title: string; added: string; removed: string }> = {
  totp: {
    title: 'Authenticator app',
    added: 'An authenticator app (one-time codes) was added as a second factor.',
    removed: 'An authenticator app (one-time codes) was removed as a second factor.',
  },
  webauthn: {
    title: 'Security key',
    added: 'A security key or passkey was added as a second factor.',
    removed: 'A security key or passkey was removed as a second factor.',
  },
  backup_codes: {
    title: 'Backup codes',
    added: 'A new set of backup codes was created; any earlier backup codes no longer work.',
    removed: 'Your backup codes were removed.',
  },
};

const NOT_YOU =
  'If it was not you, change your master password right away and review your second factors and sessions in your account settings.';

function message(subject: string, paragraphs: string[]): MailContent {
  const footer = `-- \n${PRODUCT}\nThis message was sent automatically by your ${PRODUCT} server.`;
  return { subject, text: `Hello,\n\n${paragraphs.join('\n\n')}\n\n${footer}\n` };
}

function nameLine(name: string | undefined): string[] {
  const clean = name === undefined ? '' : sanitizeLine(name);
  return clean === '' ? [] : [`Name: ${clean}`];
}

/** A user-controlled value for a "Label: value" line. */
function shown(value: string): string {
  return sanitizeLine(value) || 'unknown';
}

/** Server-made links and tokens: never truncated, but still one line on its own. */
function link(value: string): string {
  return value.replace(UNSAFE_RE, '').trim();
}

function inMinutes(minutes: number): string {
  if (!Number.isFinite(minutes) || minutes <= 0) return 'soon';
  const m = Math.round(minutes);
  if (m >= 120 && m % 60 === 0) return `in ${m / 60} hours`;
  return m === 1 ? 'in 1 minute' : `in ${m} minutes`;
}

/** `2026-11-23 14:05 UTC`: unambiguous whatever the reader's locale. */
function formatTime(at: Date): string {
  if (Number.isNaN(at.getTime())) return 'an unknown time';
  const iso = at.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** An invitation to an organisation (issue 25): the same mail whether or not the address has an account. */
export function orgInvitation(input: { orgName: string; publicUrl: string }): MailContent {
  return message(`You are invited to share a ${PRODUCT} vault`, [
    `You were invited to join the organisation "${shown(input.orgName)}" on ${PRODUCT}.`,
    `Sign in (or create an account with this address) at ${shown(input.publicUrl)}, verify this address, and accept the invitation. An administrator confirms you afterwards; compare the fingerprint phrase they see with yours.`,
    'If you did not expect this, ignore this message.',
  ]);
}
