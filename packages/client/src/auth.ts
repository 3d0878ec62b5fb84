import {
  type AccountResponse,
  api,
  createAccountKeys,
  CURRENT_KDF_VERSION,
  emptyAccountData,
  ensureOpaqueReady,
  type MfaChallengeResponse,
  normaliseEmail,
  opaqueClient,
  passwordFingerprint,
  recordPassword,
  sealAccountData,
  type TokenResponse,
  WatchwordError,
  type WebauthnAuthenticationResponse,
} from '@watchword/protocol';
import type { HttpClient } from './http.ts';
import { assertPasswordAcceptable } from './password-policy.ts';

export interface RegisterResult {
  userId: string;
  /** Shown to the user once; a second wrap of the account key. Never sent to the server. */
  recoveryKey: string;
}

/**
 * Registration: OPAQUE (RFC 9807 §5) plus the key hierarchy of design brief §1, all derived on the client.
 * The server receives the OPAQUE record and wrapped keys only.
 */
export async function register(
  http: HttpClient,
  input: { email: string; password: string; kdfVersion?: number; passwordPolicy?: boolean },
): Promise<RegisterResult> {
  await ensureOpaqueReady();
  const kdfVersion = input.kdfVersion ?? CURRENT_KDF_VERSION;
  const email = normaliseEmail(input.email);
  // Strength is the client's job: the server never sees the password (design brief §1).
  if (input.passwordPolicy !== false) await assertPasswordAcceptable(input.password, { email });
  const { clientRegistrationState, registrationRequest } = await opaqueClient.startRegistration(input.password);
  const start = await http.call(api.auth.registerStart, { body: { email, registrationRequest } });
  const { registrationRecord, exportKey } = await opaqueClient.finishRegistration({
    password: input.password,
    registrationResponse: start.registrationResponse,
    clientRegistrationState,
    kdfVersion,
  });
  const { material, recoveryKey, accountKey } = await createAccountKeys({ exportKey, userId: start.userId, personalVaultId: crypto.randomUUID() });
  // The first entry of the password history (design brief §1), sealed under the account key.
  const accountData = await sealAccountData({
    accountKey,
    userId: start.userId,
    data: recordPassword(emptyAccountData(), await passwordFingerprint(accountKey, input.password)),
  });
  accountKey.fill(0);
  const done = await http.call(api.auth.registerFinish, {
    body: { registrationId: start.registrationId, registrationRecord, kdfVersion, keys: material, accountData },
  });
  return { userId: done.userId, recoveryKey };
}

/** What a second factor answers with: a TOTP code, a backup code, or a WebAuthn assertion (JSON form). */
export type SecondFactorAnswer =
  | { method: 'totp'; code: string }
  | { method: 'backup_code'; code: string }
  | { method: 'webauthn'; response: WebauthnAuthenticationResponse };

/** Asked when the account has a second factor: `challenge.methods` lists what is possible. */
export type SecondFactorPrompt = (challenge: MfaChallengeResponse) => Promise<SecondFactorAnswer>;

/** Thrown by login when the account needs a second factor and no prompt was given. */
export class SecondFactorRequiredError extends Error {
  readonly methods: MfaChallengeResponse['methods'];
  constructor(challenge: MfaChallengeResponse) {
    super(`a second factor is required (${challenge.methods.join(', ')})`);
    this.name = 'SecondFactorRequiredError';
    this.methods = challenge.methods;
  }
}

export interface LoginResult {
  tokens: TokenResponse;
  /** OPAQUE export key (RFC 9807 §6.4.4): the root of the client's key hierarchy. Keep in memory only. */
  exportKey: string;
}

export async function login(
  http: HttpClient,
  input: { email: string; password: string; deviceName?: string; dpopKey?: CryptoKeyPair; secondFactor?: SecondFactorPrompt; secondFactorRetry?: boolean },
): Promise<LoginResult> {
  await ensureOpaqueReady();
  const email = normaliseEmail(input.email);
  const { clientLoginState, startLoginRequest } = await opaqueClient.startLogin(input.password);
  const start = await http.call(api.auth.loginStart, { body: { email, startLoginRequest } });
  const { finishLoginRequest, exportKey } = await opaqueClient.finishLogin({
    clientLoginState,
    loginResponse: start.loginResponse,
    password: input.password,
    kdfVersion: start.kdfVersion,
  });
  // With a DPoP key the session and every token are bound to it (RFC 9449 §5).
  const withKey = input.dpopKey ? { dpopKey: input.dpopKey } : {};
  const finished = await http.call(api.auth.loginFinish, {
    body: { loginId: start.loginId, finishLoginRequest, ...(input.deviceName ? { deviceName: input.deviceName.slice(0, 128) } : {}) },
  }, withKey);
  if (!('mfaRequired' in finished)) return { tokens: finished, exportKey };
  if (!input.secondFactor) throw new SecondFactorRequiredError(finished);
  // A wrong factor may be retried with the same token (the server allows a few attempts).
  for (;;) {
    const answer = await input.secondFactor(finished);
    try {
      const tokens = await http.call(api.auth.mfa, { body: { mfaToken: finished.mfaToken, ...answer } }, withKey);
      return { tokens, exportKey };
    } catch (error) {
      if (!(error instanceof WatchwordError) || error.code !== 'INVALID_SECOND_FACTOR' || !input.secondFactorRetry) throw error;
    }
  }
}

export type { AccountResponse };
