import type { Vault } from '@watchword/client';
import { idbStore } from './idb-store.ts';

/**
 * The device's encrypted copy of the vault (Vault.sealSnapshot: one AES-256-GCM envelope under a key derived from the
 * account key, its AAD bound to the account; docs/crypto.md), in the extension's IndexedDB. An unlock starts from it,
 * so its sync is a delta instead of downloading and decrypting every item again. Only ciphertext is stored; the copy
 * goes at sign-out. One copy at a time, with the account it belongs to.
 */
const DB = 'watchword-copy';
const STORE = 'copies';
const KEY = 'vault';

interface StoredCopy {
  userId: string;
  sealed: string;
}

const run = idbStore(DB, STORE);

export async function saveVaultCopy(userId: string, sealed: string): Promise<void> {
  await run('readwrite', (s) => s.put({ userId, sealed } satisfies StoredCopy, KEY));
}

/** The sealed copy of this account's vault, if the device holds one. */
export async function loadVaultCopy(userId: string): Promise<string | undefined> {
  const value = (await run('readonly', (s) => s.get(KEY))) as StoredCopy | undefined;
  return value?.userId === userId && typeof value.sealed === 'string' ? value.sealed : undefined;
}

export async function clearVaultCopy(): Promise<void> {
  await run('readwrite', (s) => s.delete(KEY));
}

/**
 * Starts `v` from the device's copy, if it holds one of this account that opens; a copy that does not open goes.
 * `read` is the copy already being read (loadVaultCopy started while the unlock ran).
 */
export async function seedFromCopy(v: Vault, read?: Promise<string | undefined>): Promise<boolean> {
  const sealed = await (read ?? loadVaultCopy(v.userId)).catch(() => undefined);
  if (!sealed) return false;
  try {
    await v.restoreSealedSnapshot(sealed);
    return true;
  } catch {
    // Changed, truncated or of another account (VaultCacheError): never shown; the full sync replaces it.
    await clearVaultCopy().catch(() => undefined);
    return false;
  }
}

/** How long after a sync that changed something the copy is sealed again (off the way to the first screen). */
const SAVE_AFTER_MS = 3000;

/**
 * Keeps the copy in step: a sync that changed something marks it stale, and it is sealed a few seconds later, or at
 * once when the vault is about to lock (the keys are still there). Best effort: a copy that could not be written is
 * only a slower next unlock.
 */
export class CopyKeeper {
  #stale: Vault | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The write under way (one at a time), and a count that cancel() moves so that a write it overtook stores nothing. */
  #writing: Promise<void> = Promise.resolve();
  #generation = 0;

  changed(v: Vault): void {
    this.#stale = v;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), SAVE_AFTER_MS);
  }

  /** Seals and stores the copy now if it is stale (before a lock); resolves when the write is done. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    const v = this.#stale;
    this.#stale = undefined;
    if (!v) return this.#writing;
    const generation = this.#generation;
    this.#writing = this.#writing.then(async () => {
      try {
        const sealed = await v.sealSnapshot();
        if (sealed && generation === this.#generation) await saveVaultCopy(v.userId, sealed);
      } catch {
        // Locked meanwhile, or storage refused: the next sync that changes something tries again.
      }
    });
    return this.#writing;
  }

  /** Forgets a pending save and waits out a write under way (sign-out: the copy is then deleted, not rewritten). */
  async cancel(): Promise<void> {
    clearTimeout(this.#timer);
    this.#stale = undefined;
    this.#generation++;
    await this.#writing;
  }
}
