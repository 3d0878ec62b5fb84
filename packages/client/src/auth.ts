import {
  type AccountResponse,
  CURRENT_KDF_VERSION,
  type LoginStartResponse,
  type RegisterFinishResponse,
  type RegisterStartResponse,
  type TokenResponse,
  createAccountKeys,
  ensureOpaqueReady,
  normaliseEmail,
  opaqueClient,
} from '@watchword/protocol';
import type { HttpClient } from './http.ts';

export interface RegisterResult {
  userId: string;
  /** Shown to the user once; a second wrap of the account key. Never sent to the server. */
  recoveryKey: string;
}

/**
 * Registration: OPAQUE (RFC 9807 §5) plus the key hierarchy of design brief §1, all derived on the client.
 * The server receives the OPAQUE record and wrapped keys only.
 */
export async function register(http: HttpClient, input: { email: string; password: string; kdfVersion?: number }): Promise<RegisterResult> {
  await ensureOpaqueReady();
  const kdfVersion = input.kdfVersion ?? CURRENT_KDF_VERSION;
  const email = normaliseEmail(input.email);
  const { clientRegistrationState, registrationRequest } = await opaqueClient.startRegistration(input.password);
  const start = await http.request<RegisterStartResponse>('POST', '/api/v1/auth/register/start', { body: { email, registrationRequest } });
  const { registrationRecord, exportKey } = await opaqueClient.finishRegistration({
    password: input.password,
    registrationResponse: start.registrationResponse,
    clientRegistrationState,
    kdfVersion,
  });
  const { material, recoveryKey } = await createAccountKeys({ exportKey, userId: start.userId, personalVaultId: crypto.randomUUID() });
  const done = await http.request<RegisterFinishResponse>('POST', '/api/v1/auth/register/finish', {
    body: { registrationId: start.registrationId, registrationRecord, kdfVersion, keys: material },
  });
  return { userId: done.userId, recoveryKey };
}

export interface LoginResult {
  tokens: TokenResponse;
  /** OPAQUE export key (RFC 9807 §6.4.4): the root of the client's key hierarchy. Keep in memory only. */
  exportKey: string;
}

export async function login(
  http: HttpClient,
  input: { email: string; password: string; deviceName?: string; dpopKey?: CryptoKeyPair },
): Promise<LoginResult> {
  await ensureOpaqueReady();
  const email = normaliseEmail(input.email);
  const { clientLoginState, startLoginRequest } = await opaqueClient.startLogin(input.password);
  const start = await http.request<LoginStartResponse>('POST', '/api/v1/auth/login/start', { body: { email, startLoginRequest } });
  const { finishLoginRequest, exportKey } = await opaqueClient.finishLogin({
    clientLoginState,
    loginResponse: start.loginResponse,
    password: input.password,
    kdfVersion: start.kdfVersion,
  });
  const tokens = await http.request<TokenResponse>('POST', '/api/v1/auth/login/finish', {
    body: { loginId: start.loginId, finishLoginRequest, ...(input.deviceName ? { deviceName: input.deviceName.slice(0, 128) } : {}) },
    // With a DPoP key the session and every token are bound to it (RFC 9449 §5).
    ...(input.dpopKey ? { dpopKey: input.dpopKey } : {}),
  });
  return { tokens, exportKey };
}

export type { AccountResponse };
