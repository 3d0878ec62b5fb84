import type { VaultItem } from '@watchword/client';
import { MatchIndex } from './match-index.ts';
import { type CompiledEntry, type PageKey, compileEntries } from './match.ts';

/** An item as the worker searches and matches it: its web addresses parsed once, its searchable text lower-cased. */
export interface Indexed {
  item: VaultItem;
  entries: CompiledEntry[];
  /** Lower-case name, user name and addresses, for the popup's search. */
  text: string;
  /** The shared vault's name for an item of a shared vault (Vault.vaultName); null in the personal vault. */
  vault: string | null;
}

/** What one update did: how many items were indexed anew and how many left the index. */
export interface IndexUpdate {
  indexed: number;
  removed: number;
  total: number;
}

/** Past this many changed items, sorting everything again is cheaper than placing each one. */
const RESORT_ABOVE = 256;

const collator = new Intl.Collator(undefined, { sensitivity: 'variant' });

/** Name order, then id (the order Vault.list() gives). */
export function byName(a: Indexed, b: Indexed): number {
  return collator.compare(a.item.content.name, b.item.content.name) || (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0);
}

/**
 * The service worker's view of the decrypted vault, kept in step with each sync or change: matching a page or
 * searching then touches no network and parses nothing. An update compares the vault's items with what is indexed
 * (the SDK hands out the same object for an item a sync did not change), so a delta sync that changes one item
 * parses and places one entry, whatever the size of the vault.
 */
export class VaultIndex {
  #all: Indexed[] = [];
  /** Set when many items came at once (an unlock): `#all` is sorted on first need, or by sortNow() when idle. */
  #unsorted = false;
  readonly #byId = new Map<string, Indexed>();
  /** The logins that can match a page, by registrable domain (match-index.ts): a page scores a few, not 50,000. */
  readonly #match = new MatchIndex<Indexed>([], (e) => e.entries, byName);

  /** Every item not in the trash, in name order. */
  get all(): readonly Indexed[] {
    this.sortNow();
    return this.#all;
  }

  /**
   * Puts `all` in name order now if an update left it unsorted. The page's matches do not need it (they come from the
   * match index), so after an unlock the first screen is answered first and the order made afterwards.
   */
  sortNow(): void {
    if (!this.#unsorted) return;
    this.#all.sort(byName);
    this.#unsorted = false;
  }

  get(id: string): Indexed | undefined {
    return this.#byId.get(id);
  }

  candidates(page: PageKey): Indexed[] {
    return this.#match.candidates(page);
  }

  /**
   * Brings the index in step with `items` (Vault.localItems(): every item held, trash included; the trash is left
   * out). `label` names an item's shared vault (null for the personal one).
   */
  update(items: readonly VaultItem[], label: (vaultId: string) => string | null): IndexUpdate {
    const labels = new Map<string, string | null>();
    const labelOf = (vaultId: string): string | null => {
      if (!labels.has(vaultId)) labels.set(vaultId, label(vaultId));
      return labels.get(vaultId) ?? null;
    };
    const seen = new Set<string>();
    const fresh: Indexed[] = [];
    let replaced = 0;
    for (const item of items) {
      if (item.deletedAt !== null) continue;
      seen.add(item.id);
      const vault = labelOf(item.vaultId);
      const held = this.#byId.get(item.id);
      // Unchanged: the same object from the SDK, in a vault of the same name.
      if (held && held.item === item && held.vault === vault) continue;
      if (held) {
        this.#drop(held);
        replaced++;
      }
      const entry = indexItem(item, vault);
      this.#byId.set(item.id, entry);
      this.#match.add(entry);
      fresh.push(entry);
    }
    const gone: Indexed[] = [];
    for (const entry of this.#byId.values()) if (!seen.has(entry.item.id)) gone.push(entry);
    for (const entry of gone) this.#drop(entry);
    // What was replaced or went is no longer the entry held for its id.
    if (replaced > 0 || gone.length > 0) this.#all = this.#all.filter((e) => this.#byId.get(e.item.id) === e);
    if (fresh.length > RESORT_ABOVE || this.#unsorted) {
      for (const entry of fresh) this.#all.push(entry);
      this.#unsorted ||= fresh.length > 0;
    } else {
      for (const entry of fresh) this.#all.splice(insertionPoint(this.#all, entry), 0, entry);
    }
    return { indexed: fresh.length, removed: gone.length, total: this.#all.length };
  }

  #drop(entry: Indexed): void {
    this.#byId.delete(entry.item.id);
    this.#match.delete(entry);
  }

  clear(): void {
    for (const entry of this.#byId.values()) this.#match.delete(entry);
    this.#byId.clear();
    this.#all = [];
    this.#unsorted = false;
  }
}

function indexItem(item: VaultItem, vault: string | null): Indexed {
  const login = item.content.login;
  return {
    item,
    entries: item.content.type === 'login' ? compileEntries(login?.urls) : [],
    text: [item.content.name, login?.username ?? '', ...(login?.urls ?? []), vault ?? ''].join('\n').toLowerCase(),
    vault,
  };
}

/** Where `entry` goes in the name-ordered `list` (binary search). */
function insertionPoint(list: readonly Indexed[], entry: Indexed): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (byName(list[mid]!, entry) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
