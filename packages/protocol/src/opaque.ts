import * as opaque from '@serenity-kit/opaque';
import { WatchwordError } from './errors.ts';

/**
 * A thin wrapper over `@serenity-kit/opaque` — OPAQUE (RFC 9807) with ristretto255,
 * 3DH and SHA-512 — that fixes Watchword's choices in one place:
 *
 * - Key stretching is Argon2id with versioned global parameters ({@link KDF_PROFILES});
 *   RFC 9807 applies the KSF to the OPRF output before the envelope is derived, so the
 *   profile is baked into each registration record and must be remembered per user.
 * - The master password is NFKC-normalised, so the same password typed on different
 *   keyboards/platforms yields the same OPAQUE input.
 * - A failed login is always `INVALID_CREDENTIALS`, whichever step failed.
 * - The server's `userIdentifier` is the user's immutable UUID (design.md §1), or, for
 *   an unknown e-mail, a pseudonymous id with `registrationRecord: null` so the server
 *   answers with a fake record (RFC 9807, "Preventing Client Enumeration").
 */

export type KeyStretching = { 'argon2id-custom': { iterations: number; memory: number; parallelism: number } };

/** Argon2id profiles by version. `memory` is in KiB (RFC 9106 §3.1 "m"). */
export const KDF_PROFILES: Readonly<Record<number, KeyStretching>> = Object.freeze({
  /** For tests and benchmarks only — never the default. Offers almost no stretching. */
  0: { 'argon2id-custom': { memory: 1024, iterations: 1, parallelism: 1 } },
  /** 64 MiB, t = 3, p = 4: exactly the "SECOND RECOMMENDED option" of RFC 9106 §4. */
  1: { 'argon2id-custom': { memory: 65_536, iterations: 3, parallelism: 4 } },
});

export const CURRENT_KDF_VERSION = 1;

/** Resolves once the WebAssembly module is loaded; call (and await) before anything else. */
export function ensureOpaqueReady(): Promise<void> {
  return opaque.ready;
}

function keyStretching(kdfVersion: number): KeyStretching {
  if (!Number.isInteger(kdfVersion) || !Object.hasOwn(KDF_PROFILES, kdfVersion)) {
    throw new WatchwordError('VALIDATION_FAILED', { details: { field: 'kdfVersion' } });
  }
  return KDF_PROFILES[kdfVersion]!;
}

function normalisePassword(password: string): string {
  const normalised = password.normalize('NFKC');
  if (normalised.length === 0) throw new WatchwordError('VALIDATION_FAILED', { details: { field: 'password' } });
  return normalised;
}

function invalidCredentials(cause?: unknown): WatchwordError {
  return new WatchwordError('INVALID_CREDENTIALS', cause === undefined ? {} : { cause });
}

// ---------------------------------------------------------------- client (RFC 9807)

/** RFC 9807 CreateRegistrationRequest. Keep `clientRegistrationState` in memory only. */
function startRegistration(password: string): { clientRegistrationState: string; registrationRequest: string } {
  return opaque.client.startRegistration({ password: normalisePassword(password) });
}

/** RFC 9807 FinalizeRegistrationRequest. `exportKey` seeds the key hierarchy (keys.ts). */
function finishRegistration(input: {
  password: string;
  registrationResponse: string;
  clientRegistrationState: string;
  kdfVersion: number;
}): { registrationRecord: string; exportKey: string } {
  const { registrationRecord, exportKey } = opaque.client.finishRegistration({
    password: normalisePassword(input.password),
    registrationResponse: input.registrationResponse,
    clientRegistrationState: input.clientRegistrationState,
    keyStretching: keyStretching(input.kdfVersion),
  });
  return { registrationRecord, exportKey };
}

/** RFC 9807 GenerateKE1 (client start). */
function startLogin(password: string): { clientLoginState: string; startLoginRequest: string } {
  return opaque.client.startLogin({ password: normalisePassword(password) });
}

/**
 * RFC 9807 GenerateKE3. Fails when the password is wrong (envelope recovery fails), the
 * server is not the one the user registered with (server MAC mismatch) or the message is malformed.
 * @throws {WatchwordError} `INVALID_CREDENTIALS`
 */
function finishLogin(input: {
  clientLoginState: string;
  loginResponse: string;
  password: string;
  kdfVersion: number;
}): { finishLoginRequest: string; exportKey: string; sessionKey: string } {
  const stretching = keyStretching(input.kdfVersion);
  const password = normalisePassword(input.password);
  let result: ReturnType<typeof opaque.client.finishLogin>;
  try {
    result = opaque.client.finishLogin({
      clientLoginState: input.clientLoginState,
      loginResponse: input.loginResponse,
      password,
      keyStretching: stretching,
    });
  } catch (error) {
    throw invalidCredentials(error);
  }
  if (!result) throw invalidCredentials();
  return { finishLoginRequest: result.finishLoginRequest, exportKey: result.exportKey, sessionKey: result.sessionKey };
}

// ---------------------------------------------------------------- server (RFC 9807)

/** A fresh OPRF seed + server AKE key pair. Store outside the database (design.md §1). */
function createServerSetup(): string {
  return opaque.server.createSetup();
}

/** The server's static public key (base64url), e.g. for a setup fingerprint. */
function serverPublicKey(serverSetup: string): string {
  return opaque.server.getPublicKey(serverSetup);
}

/** RFC 9807 CreateRegistrationResponse. `userId` is the immutable user UUID. */
function createRegistrationResponse(input: {
  serverSetup: string;
  userId: string;
  registrationRequest: string;
}): { registrationResponse: string } {
  return opaque.server.createRegistrationResponse({
    serverSetup: input.serverSetup,
    userIdentifier: input.userId,
    registrationRequest: input.registrationRequest,
  });
}

/**
 * RFC 9807 GenerateKE2. With `registrationRecord: null` a fake record is used
 * (RFC 9807, "Preventing Client Enumeration"), so the reply for an unknown user looks and costs like a real one.
 * Keep `serverLoginState` in the shared ephemeral state store, never send it out.
 */
function startServerLogin(input: {
  serverSetup: string;
  userId: string;
  registrationRecord: string | null;
  startLoginRequest: string;
}): { serverLoginState: string; loginResponse: string } {
  return opaque.server.startLogin({
    serverSetup: input.serverSetup,
    userIdentifier: input.userId,
    registrationRecord: input.registrationRecord,
    startLoginRequest: input.startLoginRequest,
  });
}

/**
 * RFC 9807 ServerFinish: verifies the client MAC and returns the session key.
 * `serverSetup` is accepted for call-site symmetry but is not needed: the login state
 * carries everything ServerFinish uses.
 * @throws {WatchwordError} `INVALID_CREDENTIALS` (wrong password or a fake record).
 */
function finishServerLogin(input: {
  serverSetup?: string;
  serverLoginState: string;
  finishLoginRequest: string;
}): string {
  try {
    return opaque.server.finishLogin({
      serverLoginState: input.serverLoginState,
      finishLoginRequest: input.finishLoginRequest,
    }).sessionKey;
  } catch (error) {
    throw invalidCredentials(error);
  }
}

export const opaqueClient = Object.freeze({ startRegistration, finishRegistration, startLogin, finishLogin });

export const opaqueServer = Object.freeze({
  createServerSetup,
  serverPublicKey,
  createRegistrationResponse,
  startServerLogin,
  finishServerLogin,
});
