import { type KeyPin, MAX_KEY_PINS, type PublicKeys, fromUtf8, hkdfSha256AesKey, openBytes, sealBytes, utf8, verifyIdentity } from '@watchword/protocol';

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

/** Where an account keeps its pins across devices: its sealed account data (pin-store.ts). */
export interface PinStore {
  /** The account's pins as stored now. */
  load(): Promise<KeyPin[]>;
  /** Applies `change` to the stored pins and writes them back (merging with writes made meanwhile). */
  save(change: (pins: KeyPin[]) => KeyPin[]): Promise<void>;
}

/**
 * The public keys this account has seen per member (trust on first use, then pinned). With a store attached (the
 * Vault attaches the account data, pin-store.ts) they are the account's: loaded before the first check, and what this
 * device pins or forgets is merged into them on `flush` — so a device that never met a member still detects a key
 * substituted for one its account has seen. The app may also keep them on the device, sealed under a key derived
 * from the account key (`seal` / `KeyPins.open`; AAD binds the account's user id): those are merged into the
 * account's on the first flush (docs/crypto.md, "Key pins").
 */
export class KeyPins {
  readonly #pins = new Map<string, Pin>();
  /** Members whose pin this device made, replaced or forgot and the store does not hold yet. */
  readonly #dirty = new Set<string>();
  #store: PinStore | undefined;
  #loaded: Promise<void> | undefined;

  /** Keeps the pins in `store` from now on (the account's pins are loaded before the next check). */
  attach(store: PinStore): void {
    this.#store = store;
    this.#loaded = undefined;
  }

  async #ready(): Promise<void> {
    if (!this.#store) return;
    this.#loaded ??= this.#load(this.#store).catch((error: unknown) => {
      this.#loaded = undefined;
      throw error;
    });
    await this.#loaded;
  }

  /**
   * The account's pins join this device's. Where both pinned a member differently, this device keeps its own (the
   * key it checked) and the account's stays as it is: the member then reads as changed here until compared.
   */
  async #load(store: PinStore): Promise<void> {
    const stored = await store.load();
    const held = new Set(stored.map((p) => p.userId));
    for (const pin of stored) {
      // A member this device forgot (after comparing their phrase) is not pinned again from the account.
      if (this.#dirty.has(pin.userId) || this.#pins.has(pin.userId)) continue;
      this.#pins.set(pin.userId, { x25519PublicKey: pin.x25519PublicKey, ed25519PublicKey: pin.ed25519PublicKey });
    }
    for (const userId of this.#pins.keys()) if (!held.has(userId)) this.#dirty.add(userId);
  }

  /**
   * Writes what this device pinned or forgot into the store, merged with what other devices wrote meanwhile. One
   * write at a time per device (a flush asked for during one runs after it). A failure (offline, the account data
   * unreadable, another device winning every retry) keeps the changes for the next flush.
   */
  flush(): Promise<void> {
    const next = this.#flushing.then(() => this.#flushNow());
    this.#flushing = next;
    return next;
  }

  #flushing: Promise<void> = Promise.resolve();

  async #flushNow(): Promise<void> {
    const store = this.#store;
    if (!store) return;
    try {
      await this.#ready();
      if (this.#dirty.size === 0) return;
      const changes = new Map([...this.#dirty].map((userId) => [userId, this.#pins.get(userId)] as const));
      await store.save((stored) => {
        const merged = new Map(stored.map((p) => [p.userId, p] as const));
        for (const [userId, pin] of changes) {
          if (pin) merged.set(userId, { userId, ...pin });
          else merged.delete(userId);
        }
        // Past the bound the earliest pins stay: those are the ones every later device relies on.
        return [...merged.values()].slice(0, MAX_KEY_PINS);
      });
      for (const [userId, pin] of changes) if (this.#pins.get(userId) === pin) this.#dirty.delete(userId);
    } catch {
      // Kept dirty: the next flush tries again. Checks on this device are unaffected.
    }
  }

  /**
   * Checks a member's keys: their signature (by the member's own identity key) and, when this member was seen before,
   * that they are the pinned ones; pins them otherwise.
   * @throws {KeyChangedError}
   */
  async check(keys: Pick<PublicKeys, 'userId' | 'x25519PublicKey' | 'ed25519PublicKey' | 'keySignature'>, email?: string): Promise<void> {
    if (!(await verifyIdentity(keys, keys.keySignature))) throw new KeyChangedError(keys.userId, email, 'unsigned');
    await this.#ready();
    const pinned = this.#pins.get(keys.userId);
    if (pinned && (pinned.x25519PublicKey !== keys.x25519PublicKey || pinned.ed25519PublicKey !== keys.ed25519PublicKey)) {
      throw new KeyChangedError(keys.userId, email, 'changed');
    }
    if (!pinned) {
      this.#pins.set(keys.userId, { x25519PublicKey: keys.x25519PublicKey, ed25519PublicKey: keys.ed25519PublicKey });
      this.#dirty.add(keys.userId);
    }
  }

  /**
   * Forgets a member's pinned keys, after their new fingerprint was compared out of band: on this device at once, and
   * in the account's pins at the next flush (the key seen next is pinned in their place).
   */
  forget(userId: string): void {
    this.#pins.delete(userId);
    this.#dirty.add(userId);
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
