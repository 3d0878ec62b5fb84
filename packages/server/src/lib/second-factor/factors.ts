/**
 * Second factors: which a user has, and checking a code (a security key's assertion is checked by the WebAuthn
 * ceremony steps, lib/webauthn/ceremony.ts). Each successful check is recorded with one conditional UPDATE, so a TOTP
 * step or a backup code counts once, even across instances.
 */
import type { MfaMethod } from '@watchword/protocol';
import type { Context } from '../../context.ts';
import { type SeedCipher, createSeedCipher } from '../../keys/seed-cipher.ts';
import type { WebauthnCredentialRecord } from '../../storage/mfa.ts';
import { generateBackupCodes, hashBackupCodes, matchBackupCode } from './backup-codes.ts';
import { matchTotp } from './totp.ts';
import { rpFromPublicUrl } from './webauthn.ts';

export interface FactorSummary {
  totp: boolean;
  totpPending: boolean;
  webauthn: WebauthnCredentialRecord[];
  backupCodes: number;
}

export async function factorSummary(ctx: Context, userId: string): Promise<FactorSummary> {
  const [totp, webauthn, codes] = await Promise.all([
    ctx.storage.mfa.getTotp(userId),
    ctx.storage.mfa.listWebauthn(userId),
    ctx.storage.mfa.listUnusedBackupCodes(userId),
  ]);
  return { totp: totp?.confirmedAt != null, totpPending: totp !== undefined && totp.confirmedAt === null, webauthn, backupCodes: codes.length };
}

/** A second factor is required at login when TOTP or a security key is enabled; backup codes only stand in for them. */
export function hasSecondFactor(s: FactorSummary): boolean {
  return s.totp || s.webauthn.length > 0;
}

export function methodsOf(s: FactorSummary): MfaMethod[] {
  const methods: MfaMethod[] = [];
  if (s.totp) methods.push('totp');
  if (s.webauthn.length > 0) methods.push('webauthn');
  if (s.backupCodes > 0 && hasSecondFactor(s)) methods.push('backup_code');
  return methods;
}

const ciphers = new WeakMap<Uint8Array, SeedCipher>();
export function totpSeedCipher(ctx: Context): SeedCipher {
  let cipher = ciphers.get(ctx.secrets.serverSecret);
  if (!cipher) {
    cipher = createSeedCipher(ctx.secrets.serverSecret, 'totp-seed');
    ciphers.set(ctx.secrets.serverSecret, cipher);
  }
  return cipher;
}

/**
 * The relying party: PUBLIC_URL's host, and every origin the web vault may be served from, plus the browser
 * extensions the operator listed (WEBAUTHN_EXTENSION_ORIGINS): an extension page asserts for PUBLIC_URL's RP ID (the
 * browser allows it for a host the extension has permission for) with its own origin in clientDataJSON.
 */
export function webauthnRelyingParty(ctx: Context): { rpId: string; origins: string[] } {
  const { rpId, origin } = rpFromPublicUrl(ctx.config.publicUrl);
  return { rpId, origins: [origin, ...ctx.config.corsOrigins, ...ctx.config.webauthnExtensionOrigins] };
}

/** Checks a code against the user's active TOTP seed and uses its step up. */
export async function useTotpCode(ctx: Context, userId: string, code: string): Promise<boolean> {
  const factor = await ctx.storage.mfa.getTotp(userId);
  if (!factor || factor.confirmedAt === null) return false;
  const seed = totpSeedCipher(ctx).open(userId, factor.seedSealed);
  try {
    const step = await matchTotp(seed, code, ctx.now());
    return step !== null && (await ctx.storage.mfa.useTotpStep(userId, step));
  } finally {
    seed.fill(0);
  }
}

export async function useBackupCode(ctx: Context, userId: string, code: string): Promise<boolean> {
  const stored = await ctx.storage.mfa.listUnusedBackupCodes(userId);
  const id = await matchBackupCode(code, stored);
  return id !== undefined && (await ctx.storage.mfa.useBackupCode(userId, id, ctx.now()));
}

/** A new set of backup codes (replacing any old set); the plain codes are returned once, to show the user. */
export async function issueBackupCodes(ctx: Context, userId: string): Promise<string[]> {
  const codes = generateBackupCodes();
  await ctx.storage.mfa.replaceBackupCodes(userId, await hashBackupCodes(codes), ctx.now());
  return codes;
}
