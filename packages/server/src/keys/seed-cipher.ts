/**
 * Sealing of server-held secrets that must be readable again (TOTP seeds): AES-256-GCM under a key derived from
 * the server secret, which lives outside the database (security spec "At rest"; design brief §1). A database dump
 * alone yields no seed. AAD binds each seal to its purpose and user, so a sealed seed cannot be moved to another
 * account. Rotating SERVER_SECRET makes existing seeds unreadable: users then re-enrol (documented in docs/crypto.md).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { fromBase64Url, toBase64Url } from '@watchword/protocol';

const VERSION = 1;
const NONCE = 12;
const TAG = 16;

export interface SeedCipher {
  seal(userId: string, plaintext: Uint8Array): string;
  /** @throws when the seal was not made with this key for this user. */
  open(userId: string, sealed: string): Uint8Array;
}

export function createSeedCipher(serverSecret: Uint8Array, purpose: string): SeedCipher {
  const key = Buffer.from(hkdfSync('sha256', serverSecret, new Uint8Array(0), `watchword/v1/server-seal/${purpose}`, 32));
  const aad = (userId: string) => Buffer.from(`watchword/v1/${purpose}\0${userId}`);
  return {
    seal(userId, plaintext) {
      const nonce = randomBytes(NONCE);
      const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(aad(userId));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return toBase64Url(Buffer.concat([Buffer.of(VERSION), nonce, body, cipher.getAuthTag()]));
    },
    open(userId, sealed) {
      const bytes = Buffer.from(fromBase64Url(sealed));
      if (bytes.length < 1 + NONCE + TAG || bytes[0] !== VERSION) throw new Error('unsupported seal');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, 1 + NONCE)).setAAD(aad(userId));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG));
      return new Uint8Array(Buffer.concat([decipher.update(bytes.subarray(1 + NONCE, bytes.length - TAG)), decipher.final()]));
    },
  };
}
