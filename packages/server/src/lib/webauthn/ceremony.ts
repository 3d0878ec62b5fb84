/**
 * The server's steps of the WebAuthn ceremonies, shared by security keys (a second factor: modules/mfa and the login's
 * second step) and passkeys (sign-in and unlock: modules/passkeys). What differs between them is the credential's
 * purpose (lib/second-factor/webauthn.ts sets the policy of each), its table and its errors; the steps are these:
 *
 * - registration: options for the signed-in account, its challenge kept in the state store under the account (one
 *   pending registration each), bound to the session and single use; the finish takes it before verifying anything;
 * - assertion: options naming the credentials allowed, then the response verified against the stored credential and
 *   its signature counter moved from the value read, in one conditional UPDATE, so an assertion counts once even
 *   across instances (WebAuthn §7.2 step 21).
 */
import type { WebauthnAuthenticationOptions, WebauthnAuthenticationResponse, WebauthnRegistrationOptions, WebauthnRegistrationResponse } from '@watchword/protocol';
import { WatchwordError } from '@watchword/protocol';
import type { Context } from '../../context.ts';
import type { AuthInfo } from '../../http/types.ts';
import type { CredentialRecord } from '../../storage/webauthn-credentials.ts';
import { accountEmail } from '../account-email.ts';
import { webauthnRelyingParty } from '../second-factor/factors.ts';
import {
  type CredentialPurpose,
  type StoredCredential,
  type StoredCredentialRef,
  WEBAUTHN_TIMEOUT_MS,
  authenticationOptions,
  registrationOptions,
  verifyAuthentication,
  verifyRegistration,
} from '../second-factor/webauthn.ts';

/** A ceremony must finish within the options' timeout; its pending state lives as long. */
export const CEREMONY_TTL_MS = WEBAUTHN_TIMEOUT_MS;

/** One kind of registration: what its credentials are for, and where its pending challenge is kept. */
export interface RegistrationCeremony {
  purpose: CredentialPurpose;
  /** The relying party's name, shown by the authenticator. */
  rpName: string;
  /** The state-store key of the account's pending registration is `${stateKey}:${userId}`. */
  stateKey: string;
}

interface PendingRegistration {
  challenge: string;
  sessionId: string;
}

const pendingKey = (ceremony: RegistrationCeremony, userId: string) => `${ceremony.stateKey}:${userId}`;

/**
 * Options for navigator.credentials.create() for the signed-in account; `existing` are its credentials of this kind,
 * excluded so that one authenticator is not enrolled twice. A new start replaces a pending one.
 */
export async function startRegistration(
  ctx: Context,
  auth: AuthInfo,
  ceremony: RegistrationCeremony,
  existing: readonly StoredCredentialRef[],
): Promise<WebauthnRegistrationOptions> {
  const { options, challenge } = await registrationOptions({
    purpose: ceremony.purpose,
    rpId: webauthnRelyingParty(ctx).rpId,
    rpName: ceremony.rpName,
    userId: auth.userId,
    userName: await accountEmail(ctx, auth.userId),
    existing,
  });
  const pending: PendingRegistration = { challenge, sessionId: auth.sessionId };
  await ctx.state.set(pendingKey(ceremony, auth.userId), JSON.stringify(pending), CEREMONY_TTL_MS);
  return options;
}

/**
 * Verifies the authenticator's answer against the pending registration, taken first (single use, right or wrong):
 * HANDSHAKE_EXPIRED when there is none, or when another session started it. An answer that does not verify throws what
 * `onInvalid` returns (it may record the refusal first). Returns the new credential, to store with its name.
 */
export async function finishRegistration(
  ctx: Context,
  auth: AuthInfo,
  ceremony: RegistrationCeremony,
  input: { response: WebauthnRegistrationResponse; name: string; onInvalid: (cause: unknown) => WatchwordError | Promise<WatchwordError> },
): Promise<Omit<CredentialRecord, 'lastUsedAt'>> {
  const raw = await ctx.state.take(pendingKey(ceremony, auth.userId));
  const pending = raw === null ? null : (JSON.parse(raw) as PendingRegistration);
  if (pending === null || pending.sessionId !== auth.sessionId) throw new WatchwordError('HANDSHAKE_EXPIRED');
  const { rpId, origins } = webauthnRelyingParty(ctx);
  let verified;
  try {
    verified = await verifyRegistration({ purpose: ceremony.purpose, response: input.response, expectedChallenge: pending.challenge, expectedOrigins: origins, rpId });
  } catch (cause) {
    throw await input.onInvalid(cause);
  }
  return {
    id: verified.credentialId,
    userId: auth.userId,
    name: input.name,
    publicKey: verified.publicKey,
    counter: verified.counter,
    transports: verified.transports,
    aaguid: verified.aaguid,
    backedUp: verified.backedUp,
    createdAt: ctx.now(),
  };
}

/**
 * Options for navigator.credentials.get(), and the challenge the caller keeps (single use) for `checkAssertion`;
 * `credentials` are the ones allowed (none for a passkey sign-in: the authenticator offers its discoverable ones).
 */
export function startAssertion(
  ctx: Context,
  purpose: CredentialPurpose,
  credentials: readonly StoredCredentialRef[],
): Promise<{ options: WebauthnAuthenticationOptions; challenge: string }> {
  return authenticationOptions({ purpose, rpId: webauthnRelyingParty(ctx).rpId, credentials });
}

/** Why an assertion was refused: it did not verify (`error` says why, for the log only), or the counter had moved. */
export type AssertionCheck = { ok: true } | { ok: false; reason: 'invalid_assertion'; error: unknown } | { ok: false; reason: 'counter' };

/**
 * Verifies an assertion against the stored credential, then moves the credential's counter from the value read
 * through `use` (the credential table's conditional UPDATE): a concurrent use of the same assertion, or a clone's,
 * loses there.
 */
export async function checkAssertion(
  ctx: Context,
  input: {
    purpose: CredentialPurpose;
    response: WebauthnAuthenticationResponse;
    challenge: string;
    credential: StoredCredential & { userId: string };
    use: (userId: string, id: string, expected: number, counter: number, now: number) => Promise<boolean>;
  },
): Promise<AssertionCheck> {
  const { credential } = input;
  const { rpId, origins } = webauthnRelyingParty(ctx);
  let newCounter: number;
  try {
    ({ newCounter } = await verifyAuthentication({ purpose: input.purpose, response: input.response, expectedChallenge: input.challenge, expectedOrigins: origins, rpId, credential }));
  } catch (error) {
    return { ok: false, reason: 'invalid_assertion', error };
  }
  if (!(await input.use(credential.userId, credential.id, credential.counter, newCounter, ctx.now()))) return { ok: false, reason: 'counter' };
  return { ok: true };
}
