import {
  DecryptionError,
  type PasskeyInfo,
  type WebauthnAuthenticationOptions,
  type WebauthnAuthenticationResponse,
  type WebauthnRegistrationOptions,
  type WebauthnRegistrationResponse,
  api,
  hkdfSha256AesKey,
  openBytes,
  randomBytes,
  sealBytes,
  toBase64Url,
  utf8,
} from '@watchword/protocol';
import { reauthenticate } from './account.ts';
import type { HttpClient } from './http.ts';
import type { Session } from './session.ts';
import type { Vault } from './vault.ts';

/**
 * Passkeys that sign in and unlock (issue 22; docs/crypto.md "Passkey unlock"). The WebAuthn PRF extension
 * (WebAuthn L3 §10.1.4) makes the authenticator return 32 bytes bound to the credential and to a salt the client picks;
 * they never leave this process. From them:
 *
 *     wrapKey = HKDF-SHA-256(ikm = PRF output, salt = 32 zero bytes,
 *                            info = "watchword/v1/passkey-unlock/key" ‖ 0x00 ‖ userId ‖ 0x00 ‖ credentialId)
 *     wrapped = AES-256-GCM envelope (protocol aead.ts) of the account key, AAD "watchword/v1/passkey-unlock" ‖ 0x00 ‖ userId
 *
 * The server stores `wrapped` with the credential and hands it back at sign-in (or to the signed-in session): it cannot
 * open it. The info binds the key to one account and one credential, the AAD the envelope to the account.
 *
 * The SDK has no DOM: the app passes the two WebAuthn ceremonies (PasskeyCeremonies), which take the options in their
 * JSON form (with `extensions.prf.eval.first` as base64url) and return the JSON response plus the PRF output.
 */

/** The PRF salt (`eval.first`): fixed, so the same credential always yields the same output for this purpose. */
export const PASSKEY_PRF_SALT: Uint8Array<ArrayBuffer> = utf8('watchword/v1/passkey-unlock/prf-salt');
const HKDF_SALT = new Uint8Array(32);
const PRF_OUTPUT_LENGTH = 32;
const ACCOUNT_KEY_LENGTH = 32;
const keyInfo = (userId: string, credentialId: string) => utf8(`watchword/v1/passkey-unlock/key\0${userId}\0${credentialId}`);
const wrapAad = (userId: string) => utf8(`watchword/v1/passkey-unlock\0${userId}`);

/** The PRF extension input, in the JSON form (base64url). */
export interface PrfInputs {
  prf: { eval: { first: string } };
}
export type PasskeyCreationOptions = Omit<WebauthnRegistrationOptions, 'extensions'> & { extensions: { credProps?: boolean } & PrfInputs };
export type PasskeyRequestOptions = Omit<WebauthnAuthenticationOptions, 'extensions'> & { extensions: PrfInputs };

export interface PasskeyCreation {
  /** RegistrationResponseJSON; PRF results in it are removed before it is sent. */
  response: WebauthnRegistrationResponse;
  /** `clientExtensionResults.prf.enabled`: the authenticator supports PRF for this credential. */
  prfEnabled: boolean;
  /** `prf.results.first` when the authenticator evaluated PRF at creation already (some do). */
  prfOutput?: Uint8Array;
}
export interface PasskeyAssertion {
  /** AuthenticationResponseJSON; PRF results in it are removed before it is sent. */
  response: WebauthnAuthenticationResponse;
  /** `prf.results.first`. */
  prfOutput?: Uint8Array;
}
export type PasskeyGet = (options: PasskeyRequestOptions) => Promise<PasskeyAssertion>;
export type PasskeyCreate = (options: PasskeyCreationOptions) => Promise<PasskeyCreation>;

/** The authenticator did not give a PRF output: this passkey cannot unlock the vault (nothing was registered). */
export class PasskeyPrfUnsupportedError extends Error {
  readonly code = 'PASSKEY_PRF_UNSUPPORTED' as const;
  constructor() {
    super('this passkey or browser does not support the PRF extension, so it cannot unlock the vault; nothing was registered');
    this.name = 'PasskeyPrfUnsupportedError';
  }
}

/** The passkey's PRF output does not open the wrapped key (another credential, a changed account key, a damaged blob). */
export class PasskeyUnlockError extends Error {
  readonly code = 'PASSKEY_UNLOCK_REFUSED' as const;
  constructor() {
    super('this passkey does not open the vault');
    this.name = 'PasskeyUnlockError';
  }
}

async function wrapKey(prfOutput: Uint8Array, userId: string, credentialId: string): Promise<CryptoKey> {
  if (prfOutput.length !== PRF_OUTPUT_LENGTH) throw new PasskeyPrfUnsupportedError();
  return hkdfSha256AesKey(prfOutput, HKDF_SALT, keyInfo(userId, credentialId));
}

/** Wraps the account key under the key derived from the passkey's PRF output (see above). */
export async function wrapAccountKeyForPasskey(input: { prfOutput: Uint8Array; userId: string; credentialId: string; accountKey: Uint8Array }): Promise<string> {
  if (input.accountKey.length !== ACCOUNT_KEY_LENGTH) throw new RangeError('the account key must be 32 bytes');
  return sealBytes(await wrapKey(input.prfOutput, input.userId, input.credentialId), input.accountKey, wrapAad(input.userId));
}

/** The account key, or PasskeyUnlockError. */
export async function unwrapAccountKeyWithPasskey(input: { prfOutput: Uint8Array; userId: string; credentialId: string; wrapped: string }): Promise<Uint8Array> {
  try {
    const key = await openBytes(await wrapKey(input.prfOutput, input.userId, input.credentialId), input.wrapped, wrapAad(input.userId));
    if (key.length !== ACCOUNT_KEY_LENGTH) throw new PasskeyUnlockError();
    return key;
  } catch (error) {
    if (error instanceof DecryptionError || error instanceof PasskeyPrfUnsupportedError) throw new PasskeyUnlockError();
    throw error;
  }
}

const prfInputs = (): PrfInputs => ({ prf: { eval: { first: toBase64Url(PASSKEY_PRF_SALT) } } });

/** Keeps only `prf.enabled` of the client extension results: PRF outputs never go to the server. */
function withoutPrfResults<T extends { clientExtensionResults: object }>(response: T): T {
  const { prf, ...rest } = response.clientExtensionResults as { prf?: { enabled?: unknown } };
  const enabled = prf !== null && typeof prf === 'object' && typeof prf.enabled === 'boolean' ? { prf: { enabled: prf.enabled } } : {};
  return { ...response, clientExtensionResults: { ...rest, ...enabled } };
}

/**
 * Registers a passkey that signs in and unlocks: fresh authentication with the master password, the creation
 * ceremony (discoverable, user verification required, PRF requested), the PRF output (from creation, or from one
 * assertion made only to evaluate PRF), the account key wrapped under it and checked by unwrapping, then the
 * credential and the wrapped key sent to the server. Refuses with PasskeyPrfUnsupportedError when there is no PRF.
 */
export async function registerPasskeyUnlock(session: Session, vault: Vault, input: { password: string; name: string; create: PasskeyCreate; get: PasskeyGet }): Promise<PasskeyInfo> {
  const reauthToken = await reauthenticate(session, input.password);
  const { options } = await session.call(api.passkeys.registerStart, { body: { reauthToken } });
  const created = await input.create({ ...options, extensions: { ...options.extensions, ...prfInputs() } });
  let prfOutput = created.prfOutput;
  if (prfOutput === undefined) {
    if (!created.prfEnabled) throw new PasskeyPrfUnsupportedError();
    // PRF supported but not evaluated at creation: one local assertion evaluates it (the server does not see it).
    const evaluated = await input.get({
      challenge: toBase64Url(randomBytes(32)),
      ...(options.rp.id ? { rpId: options.rp.id } : {}),
      allowCredentials: [{ id: created.response.id, type: 'public-key', ...(created.response.response.transports ? { transports: created.response.response.transports } : {}) }],
      userVerification: 'required',
      extensions: prfInputs(),
    });
    if (evaluated.response.id !== created.response.id) throw new PasskeyPrfUnsupportedError();
    prfOutput = evaluated.prfOutput;
  }
  if (prfOutput === undefined || prfOutput.length !== PRF_OUTPUT_LENGTH) throw new PasskeyPrfUnsupportedError();
  const accountKey = vault.exportAccountKey();
  try {
    const credentialId = created.response.id;
    const wrappedAccountKey = await wrapAccountKeyForPasskey({ prfOutput, userId: vault.userId, credentialId, accountKey });
    // A wrap that does not open is never stored.
    const check = await unwrapAccountKeyWithPasskey({ prfOutput, userId: vault.userId, credentialId, wrapped: wrappedAccountKey });
    check.fill(0);
    const added = await session.call(api.passkeys.registerFinish, { body: { name: input.name, response: withoutPrfResults(created.response), wrappedAccountKey } });
    return added.passkey;
  } finally {
    accountKey.fill(0);
    prfOutput.fill(0);
  }
}

/** The account's passkeys (each with its wrapped key). */
export async function listPasskeys(session: Session): Promise<PasskeyInfo[]> {
  return (await session.call(api.passkeys.list, {})).passkeys;
}

/** Removes a passkey (fresh authentication with the master password). */
export async function removePasskey(session: Session, input: { id: string; password: string }): Promise<void> {
  const reauthToken = await reauthenticate(session, input.password);
  await session.call(api.passkeys.remove, { params: { id: input.id }, body: { reauthToken } });
}

/** What unlocking with a passkey needs of one credential: its id, its transports and the account key wrapped under it. */
export type PasskeyUnlockEntry = Pick<PasskeyInfo, 'id' | 'transports' | 'wrappedAccountKey'>;

/**
 * The account key from one of `passkeys` (the account's list from the server, or the entries a device kept for
 * unlocking offline): the authenticator picks among them (user verification required) and evaluates PRF with the
 * same salt as always; the wrapped key of the credential it used is opened here. The assertion goes nowhere: the
 * challenge is random and local, since unlocking needs no server to check it — only the PRF output.
 */
export async function unlockWithPasskeyEntries(input: { userId: string; get: PasskeyGet; passkeys: readonly PasskeyUnlockEntry[]; rpId?: string }): Promise<{ accountKey: Uint8Array; credentialId: string }> {
  if (input.passkeys.length === 0) throw new PasskeyUnlockError();
  const assertion = await input.get({
    challenge: toBase64Url(randomBytes(32)),
    ...(input.rpId ? { rpId: input.rpId } : {}),
    allowCredentials: input.passkeys.map((p) => ({ id: p.id, type: 'public-key' as const, ...(p.transports.length > 0 ? { transports: p.transports } : {}) })),
    userVerification: 'required',
    extensions: prfInputs(),
  });
  const passkey = input.passkeys.find((p) => p.id === assertion.response.id);
  if (passkey === undefined || assertion.prfOutput === undefined) throw new PasskeyUnlockError();
  try {
    const accountKey = await unwrapAccountKeyWithPasskey({ prfOutput: assertion.prfOutput, userId: input.userId, credentialId: passkey.id, wrapped: passkey.wrappedAccountKey });
    return { accountKey, credentialId: passkey.id };
  } finally {
    assertion.prfOutput.fill(0);
  }
}

/**
 * The account key of a signed-in (locked) session, from one of the account's passkeys (the list fetched on the
 * session, then unlockWithPasskeyEntries). No request reaches the server beyond the list.
 */
export async function unlockWithPasskey(session: Session, input: { userId: string; get: PasskeyGet; rpId?: string }): Promise<Uint8Array> {
  return (await unlockWithPasskeyEntries({ ...input, passkeys: await listPasskeys(session) })).accountKey;
}

/**
 * Sign-in with a passkey alone (no e-mail, no password): a challenge for any discoverable credential, the assertion
 * (PRF results stripped) to the server with the DPoP key the session will be bound to, then the account key unwrapped
 * from what the server returns for that credential.
 */
export async function signInWithPasskey(http: HttpClient, input: { get: PasskeyGet; deviceName?: string; dpopKey?: CryptoKeyPair }) {
  const { signInId, options } = await http.call(api.passkeys.signInStart, { body: {} });
  const assertion = await input.get({ ...options, extensions: prfInputs() });
  // Without a PRF output the vault could not be opened: no session is opened for nothing.
  if (assertion.prfOutput === undefined) throw new PasskeyPrfUnsupportedError();
  const prfOutput = assertion.prfOutput;
  const finished = await http.call(
    api.passkeys.signInFinish,
    { body: { signInId, response: withoutPrfResults(assertion.response), ...(input.deviceName ? { deviceName: input.deviceName } : {}) } },
    input.dpopKey ? { dpopKey: input.dpopKey } : {},
  );
  const { userId, credentialId, wrappedAccountKey, ...tokens } = finished;
  try {
    const accountKey = await unwrapAccountKeyWithPasskey({ prfOutput, userId, credentialId, wrapped: wrappedAccountKey });
    return { tokens, userId, credentialId, accountKey };
  } finally {
    prfOutput.fill(0);
  }
}
