import { type PublicKeys, fromUtf8, hkdfSha256AesKey, openBytes, sealBytes, utf8, verifyIdentity } from '@watchword/protocol';

/**
 * Thrown when the server hands out, for a member this client has seen before, public keys other than the ones it
 * remembered — or keys that the member's own identity key did not sign. Either is a substituted key: nothing is sealed
 * to it and nothing it signed is trusted. Compare the member's fingerprint phrase out of band before accepting a new
 * key (`KeyPins.forget`).
 */
export class KeyChangedError extends Error {
  readonly code = 'KEY_CHANGED' as const;
  readonly userId: string;
  readonly email: string | undefined;
  constructor(userId: string, email: string | undefined, reason: 'changed' | 'unsigned') {
    const who = email ? `${email} (${userId})` : userId;
    super(reason === 'changed' ? `the public keys of ${who} changed since this device last saw them: do not share with them until you have compared their fingerprint phrase` : `the public keys given for ${who} are not signed by their identity key`);
    this.name = 'KeyChangedError';
    this.userId = userId;
    this.email = email;
  }
}

interface Pin {
  x25519PublicKey: string;
  ed25519PublicKey: string;
}

const LABEL = 'watchword/v1/key-pins';
const pinKey = (accountKey: Uint8Array, userId: string) => hkdfSha256AesKey(accountKey, utf8(LABEL), utf8(`${LABEL}\0${userId}`));
const aad = (userId: string) => utf8(`${LABEL}\0${userId}`);

/**
 * The public keys this client has seen per member (trust on first use, then pinned), kept by the app sealed under a
 * key derived from the account key (`seal` / `KeyPins.open`; AAD binds the account's user id). The contract has no
 * route to store them in the server-held account data, so they live on the device (docs/crypto.md, "Shared vaults").
 */
export class KeyPins {
  readonly #pins = new Map<string, Pin>();

  /**
   * Checks a member's keys: their signature (by the member's own identity key) and, when this member was seen before,
   * that they are the pinned ones; pins them otherwise.
   * @throws {KeyChangedError}
   */
  async check(keys: Pick<PublicKeys, 'userId' | 'x25519PublicKey' | 'ed25519PublicKey' | 'keySignature'>, email?: string): Promise<void> {
    if (!(await verifyIdentity(keys, keys.keySignature))) throw new KeyChangedError(keys.userId, email, 'unsigned');
    const pinned = this.#pins.get(keys.userId);
    if (pinned && (pinned.x25519PublicKey !== keys.x25519PublicKey || pinned.ed25519PublicKey !== keys.ed25519PublicKey)) {
      throw new KeyChangedError(keys.userId, email, 'changed');
    }
    if (!pinned) this.#pins.set(keys.userId, { x25519PublicKey: keys.x25519PublicKey, ed25519PublicKey: keys.ed25519PublicKey });
  }

  /** Forgets a member's pinned keys, after their new fingerprint was compared out of band. */
  forget(userId: string): void {
    this.#pins.delete(userId);
  }

  has(userId: string): boolean {
    return this.#pins.has(userId);
  }

  /** The keys pinned for a member, if any. */
  pinned(userId: string): { x25519PublicKey: string; ed25519PublicKey: string } | undefined {
    const pin = this.#pins.get(userId);
    return pin ? { ...pin } : undefined;
  }

  async seal(accountKey: Uint8Array, userId: string): Promise<string> {
    return sealBytes(await pinKey(accountKey, userId), utf8(JSON.stringify([...this.#pins])), aad(userId));
  }

  /** Pins sealed by `seal` for this account. @throws {DecryptionError} if they do not open. */
  static async open(accountKey: Uint8Array, userId: string, sealed: string): Promise<KeyPins> {
    const entries = JSON.parse(fromUtf8(await openBytes(await pinKey(accountKey, userId), sealed.trim(), aad(userId)))) as [string, Pin][];
    const pins = new KeyPins();
    for (const [id, pin] of entries) {
      if (typeof id === 'string' && typeof pin?.x25519PublicKey === 'string' && typeof pin.ed25519PublicKey === 'string') {
        pins.#pins.set(id, { x25519PublicKey: pin.x25519PublicKey, ed25519PublicKey: pin.ed25519PublicKey });
      }
    }
    return pins;
  }
}
