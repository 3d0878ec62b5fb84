import type { VaultItem } from '@watchword/client';
import { MatchIndex } from './match-index.ts';
import { type CompiledEntry, type PageKey, compileEntries } from './match.ts';

/** An item as the worker searches and matches it: its web addresses parsed once, its searchable text lower-cased. */
export interface Indexed {
  item: VaultItem;
  entries: CompiledEntry[];
  /** Lower-case name, user name and addresses, for the popup's search. */
  text: string;
}

function indexItem(item: VaultItem): Indexed {
  const login = item.content.login;
  return {
    item,
    entries: item.content.type === 'login' ? compileEntries(login?.urls) : [],
    text: [item.content.name, login?.username ?? '', ...(login?.urls ?? [])].join('\n').toLowerCase(),
  };
}

/**
 * The service worker's view of the decrypted vault, rebuilt after each sync or change: matching a page or searching
 * then touches no network and parses nothing.
 */
export class VaultIndex {
  #all: Indexed[] = [];
  readonly #byId = new Map<string, Indexed>();
  /** The logins that can match a page, by registrable domain (match-index.ts): a page scores a few, not 10,000. */
  #match = new MatchIndex<Indexed>([], () => []);

  /** Every item, in name order. */
  get all(): readonly Indexed[] {
    return this.#all;
  }

  get(id: string): Indexed | undefined {
    return this.#byId.get(id);
  }

  candidates(page: PageKey): Indexed[] {
    return this.#match.candidates(page);
  }

  /** `items` in name order (Vault.list). */
  rebuild(items: readonly VaultItem[]): void {
    this.#all = items.map(indexItem);
    this.#byId.clear();
    for (const entry of this.#all) this.#byId.set(entry.item.id, entry);
    this.#match = new MatchIndex(this.#all, (e) => e.entries);
  }

  clear(): void {
    this.rebuild([]);
  }
}
