/**
 * Account security in the SDK: fresh authentication, password change, second factors, e-mail verification,
 * recovery, vault reset, activity and deletion. Everything secret is computed here; the server gets OPAQUE messages,
 * wrapped keys and codes only (design brief §1).
 */
import {
  type AccountData,
  api,
  createAccountKeys,
  CURRENT_KDF_VERSION,
  emptyAccountData,
  ensureOpaqueReady,
  type MfaStatusResponse,
  normaliseEmail,
  opaqueClient,
  openAccountData,
  parseRecoveryKey,
  passwordFingerprint,
  recordPassword,
  recoverAccountKey,
  recoveryVerifierFor,
  rewrapAccountKey,
  rotateRecoveryKey,
  sealAccountData,
  type SecurityActivityResponse,
  type TotpEnrolResponse,
  VAULT_RESET_CONFIRMATION,
  WatchwordError,
  type WebauthnAddResponse,
  type WebauthnOptionsResponse,
  type WebauthnRegistrationResponse,
} from '@watchword/protocol';
import type { HttpClient } from './http.ts';
import { assertPasswordAcceptable } from './password-policy.ts';
import type { Session } from './session.ts';

/**
 * An OPAQUE login of the signed-in user (fresh authentication): proves the master password to the server and yields
 * the OPAQUE export key. Keep the export key in memory only.
 */
export async function proveMasterPassword(session: Session, password: string): Promise<{ reauthToken: string; exportKey: string }> {
  await ensureOpaqueReady();
  const { clientLoginState, startLoginRequest } = await opaqueClient.startLogin(password);
  const start = await session.call(api.auth.reauthStart, { body: { startLoginRequest } });
  const finished = await opaqueClient.finishLogin({ clientLoginState, loginResponse: start.loginResponse, password, kdfVersion: start.kdfVersion });
  // A wrong password ends on the client with INVALID_CREDENTIALS (the server counted the attempt at start).
  const done = await session.call(api.auth.reauthFinish, {
    body: { loginId: start.loginId, finishLoginRequest: finished.finishLoginRequest },
  });
  return { reauthToken: done.reauthToken, exportKey: finished.exportKey };
}

/** Proves the master password again (OPAQUE login of the signed-in user); the token is single-use, 5 minutes. */
export async function reauthenticate(session: Session, password: string): Promise<string> {
  return (await proveMasterPassword(session, password)).reauthToken;
}

/** The account data (password history) the server holds, decrypted; empty for accounts that never stored one. */
async function currentAccountData(accountKey: Uint8Array, userId: string, sealed: string | null): Promise<AccountData> {
  return sealed === null ? emptyAccountData() : openAccountData({ accountKey, userId, sealed });
}

/** A new password's account data: refused if among the last five (history), else recorded first. */
async function nextAccountData(accountKey: Uint8Array, userId: string, data: AccountData, password: string, policy: boolean, email: string): Promise<string> {
  if (policy) await assertPasswordAcceptable(password, { email, history: { accountKey, data } });
  const fingerprint = await passwordFingerprint(accountKey, password);
  return sealAccountData({ accountKey, userId, data: recordPassword(data, fingerprint) });
}

export interface PasswordChangeInput {
  session: Session;
  accountKey: Uint8Array;
  userId: string;
  email: string;
  /** The account data this client holds: a password it refuses is refused before anything is sent. */
  accountData: string | null;
  currentPassword: string;
  newPassword: string;
  kdfVersion?: number;
  passwordPolicy?: boolean;
}

/**
 * Changes the master password (design brief §1): fresh authentication with the current one, a new OPAQUE
 * registration, the same account key wrapped under the new KEK. No item is re-encrypted; every other session ends.
 */
export async function changePassword(input: PasswordChangeInput): Promise<{ revokedSessions: number }> {
  const policy = input.passwordPolicy !== false;
  const held = await currentAccountData(input.accountKey, input.userId, input.accountData);
  if (policy) await assertPasswordAcceptable(input.newPassword, { email: input.email, history: { accountKey: input.accountKey, data: held } });
  // Then the account data as stored now (another device may have added key pins since this vault was opened), and
  // its revision: the server refuses the change if it moves on before the finish, rather than drop what was written.
  const stored = await input.session.call(api.account.get, {});
  const data = await currentAccountData(input.accountKey, input.userId, stored.accountData);
  const accountData = await nextAccountData(input.accountKey, input.userId, data, input.newPassword, policy, input.email);
  const reauthToken = await reauthenticate(input.session, input.currentPassword);
  const kdfVersion = input.kdfVersion ?? CURRENT_KDF_VERSION;
  const { clientRegistrationState, registrationRequest } = await opaqueClient.startRegistration(input.newPassword);
  const start = await input.session.call(api.account.passwordStart, { body: { reauthToken, registrationRequest } });
  const { registrationRecord, exportKey } = await opaqueClient.finishRegistration({
    password: input.newPassword,
    registrationResponse: start.registrationResponse,
    clientRegistrationState,
    kdfVersion,
  });
  const wrap = await rewrapAccountKey({ accountKey: input.accountKey, exportKey, userId: input.userId });
  const done = await input.session.call(api.account.passwordFinish, {
    body: { changeId: start.changeId, registrationRecord, kdfVersion, ...wrap, accountData, accountDataRevision: stored.accountDataRevision },
  });
  return { revokedSessions: done.revokedSessions };
}

/** Second factors and other account settings of a signed-in user. Sensitive changes take the master password. */
export class AccountSecurity {
  readonly #session: Session;
  constructor(session: Session) {
    this.#session = session;
  }

  status(): Promise<MfaStatusResponse> {
    return this.#session.call(api.mfa.status, {});
  }

  /** Starts TOTP enrolment: the secret and otpauth:// URI to show (QR); active after confirmTotp. */
  async enrolTotp(password: string): Promise<TotpEnrolResponse> {
    const reauthToken = await reauthenticate(this.#session, password);
    return this.#session.call(api.mfa.totpEnable, { body: { reauthToken } });
  }

  /** Activates TOTP with a current code; the first factor comes with backup codes (show them once). */
  async confirmTotp(code: string): Promise<string[] | undefined> {
    return (await this.#session.call(api.mfa.totpConfirm, { body: { code } })).backupCodes;
  }

  async disableTotp(code: string): Promise<void> {
    await this.#session.call(api.mfa.totpDisable, { body: { code } });
  }

  async regenerateBackupCodes(password: string): Promise<string[]> {
    const reauthToken = await reauthenticate(this.#session, password);
    return (await this.#session.call(api.mfa.backupCodes, { body: { reauthToken } })).backupCodes;
  }

  /** Options for navigator.credentials.create() (JSON form). */
  async webauthnRegistrationOptions(password: string): Promise<WebauthnOptionsResponse['options']> {
    const reauthToken = await reauthenticate(this.#session, password);
    return (await this.#session.call(api.mfa.webauthnOptions, { body: { reauthToken } })).options;
  }

  addWebauthn(name: string, response: WebauthnRegistrationResponse): Promise<WebauthnAddResponse> {
    return this.#session.call(api.mfa.webauthnAdd, { body: { name, response } });
  }

  async removeWebauthn(id: string, password: string): Promise<void> {
    const reauthToken = await reauthenticate(this.#session, password);
    await this.#session.call(api.mfa.webauthnRemove, { params: { id }, body: { reauthToken } });
  }

  async resendVerification(): Promise<void> {
    await this.#session.call(api.account.resendVerification, { body: {} });
  }

  async activity(): Promise<SecurityActivityResponse['events']> {
    return (await this.#session.call(api.account.activity, {})).events;
  }

  /** Deletes the account with everything in it. `confirmEmail` must repeat the account's address. */
  async deleteAccount(password: string, confirmEmail: string): Promise<void> {
    const reauthToken = await reauthenticate(this.#session, password);
    await this.#session.call(api.account.delete, { body: { reauthToken, confirmEmail } });
  }
}

export async function verifyEmail(http: HttpClient, token: string): Promise<void> {
  await http.call(api.auth.verifyEmail, { body: { token } });
}

/** Asks for a recovery mail. The answer is the same whether or not the address has an account. */
export async function requestRecovery(http: HttpClient, email: string): Promise<void> {
  await http.call(api.recovery.request, { body: { email: normaliseEmail(email) } });
}

async function startRecovery(http: HttpClient, token: string, newPassword: string) {
  await ensureOpaqueReady();
  const { clientRegistrationState, registrationRequest } = await opaqueClient.startRegistration(newPassword);
  const start = await http.call(api.recovery.start, { body: { token, registrationRequest } });
  return { start, clientRegistrationState };
}

export interface RecoverInput {
  /** The token from the recovery mail. */
  token: string;
  /** The recovery key written down at registration. */
  recoveryKey: string;
  newPassword: string;
  email: string;
  kdfVersion?: number;
  passwordPolicy?: boolean;
}

/**
 * Sets a new master password with the recovery key (the account key is unwrapped locally, so every item stays
 * readable), and rotates the recovery key: the returned one replaces the old, which stops working.
 */
export async function recover(http: HttpClient, input: RecoverInput): Promise<{ recoveryKey: string }> {
  if (input.passwordPolicy !== false) await assertPasswordAcceptable(input.newPassword, { email: normaliseEmail(input.email) });
  // A mistyped recovery key is caught by its checksum here, before the single-use mail token is spent.
  parseRecoveryKey(input.recoveryKey).fill(0);
  const { start, clientRegistrationState } = await startRecovery(http, input.token, input.newPassword);
  if (!start.recoveryAvailable) throw new WatchwordError('VALIDATION_FAILED', { message: 'This account has no recovery key on record; only a vault reset is possible.' });
  const userId = start.userId;
  // Throws (DecryptionError) before the new password is sent if the key is another account's: the token is spent.
  const accountKey = await recoverAccountKey({ recoveryKey: input.recoveryKey, userId, recoverySalt: start.recoverySalt, recoveryWrappedKey: start.recoveryWrappedKey });
  try {
    const recoveryVerifier = await recoveryVerifierFor({ recoveryKey: input.recoveryKey, userId, recoverySalt: start.recoverySalt });
    const kdfVersion = input.kdfVersion ?? CURRENT_KDF_VERSION;
    const { registrationRecord, exportKey } = await opaqueClient.finishRegistration({
      password: input.newPassword,
      registrationResponse: start.registrationResponse,
      clientRegistrationState,
      kdfVersion,
    });
    const wrap = await rewrapAccountKey({ accountKey, exportKey, userId });
    const rotated = await rotateRecoveryKey({ accountKey, userId });
    // History restarts with the new password (the old data's history stays unreadable to the server either way).
    const accountData = await sealAccountData({ accountKey, userId, data: recordPassword(emptyAccountData(), await passwordFingerprint(accountKey, input.newPassword)) });
    await http.call(api.recovery.finish, {
      body: {
        recoveryId: start.recoveryId,
        recoveryVerifier,
        registrationRecord,
        kdfVersion,
        accountData,
        keys: { ...wrap, recoverySalt: rotated.recoverySalt, recoveryWrappedKey: rotated.recoveryWrappedKey, recoveryVerifier: rotated.recoveryVerifier },
      },
    });
    return { recoveryKey: rotated.recoveryKey };
  } finally {
    accountKey.fill(0);
  }
}

/**
 * "Reset and lose the vault": without the recovery key nobody can decrypt the items, so they are deleted and the
 * account starts over with new keys. `confirm` must be the exact phrase (the CLI and web vault ask twice).
 */
export async function resetVault(
  http: HttpClient,
  input: { token: string; newPassword: string; email: string; confirm: string; kdfVersion?: number; passwordPolicy?: boolean },
): Promise<{ recoveryKey: string }> {
  if (input.confirm !== VAULT_RESET_CONFIRMATION) throw new WatchwordError('VALIDATION_FAILED', { message: `Type "${VAULT_RESET_CONFIRMATION}" to confirm.` });
  if (input.passwordPolicy !== false) await assertPasswordAcceptable(input.newPassword, { email: normaliseEmail(input.email) });
  const { start, clientRegistrationState } = await startRecovery(http, input.token, input.newPassword);
  const kdfVersion = input.kdfVersion ?? CURRENT_KDF_VERSION;
  const { registrationRecord, exportKey } = await opaqueClient.finishRegistration({
    password: input.newPassword,
    registrationResponse: start.registrationResponse,
    clientRegistrationState,
    kdfVersion,
  });
  const { material, recoveryKey, accountKey } = await createAccountKeys({ exportKey, userId: start.userId, personalVaultId: crypto.randomUUID() });
  try {
    const accountData = await sealAccountData({
      accountKey,
      userId: start.userId,
      data: recordPassword(emptyAccountData(), await passwordFingerprint(accountKey, input.newPassword)),
    });
    await http.call(api.recovery.resetVault, {
      body: { recoveryId: start.recoveryId, confirm: VAULT_RESET_CONFIRMATION, registrationRecord, kdfVersion, keys: material, accountData },
    });
    return { recoveryKey };
  } finally {
    accountKey.fill(0);
  }
}
