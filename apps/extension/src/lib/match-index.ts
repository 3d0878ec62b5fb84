import type { CompiledEntry, PageKey } from './match.ts';

/**
 * The logins that can match a page, found without scoring the whole vault: every mode but `regex` matches only pages of
 * the entry's own registrable domain (base: the same eTLD+1; host, startsWith and exact imply the same host), so the
 * candidates for a page are the items with an entry of the page's registrable domain plus the items with a regular
 * expression. They come back in `order` (the vault's name order); scoring them (compiledScore) is still the caller's
 * job, so `{never}` entries and modes keep their meaning. Values are added and removed one by one, so a sync that
 * changes one item touches one entry.
 */
export class MatchIndex<T> {
  readonly #byBase = new Map<string, Set<T>>();
  readonly #regex = new Set<T>();
  readonly #entriesOf: (value: T) => readonly CompiledEntry[];
  readonly #order: (a: T, b: T) => number;

  constructor(values: readonly T[], entriesOf: (value: T) => readonly CompiledEntry[], order?: (a: T, b: T) => number) {
    this.#entriesOf = entriesOf;
    const position = new Map(values.map((v, i) => [v, i]));
    this.#order = order ?? ((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
    for (const value of values) this.add(value);
  }

  #keys(value: T): { bases: Set<string>; regex: boolean } {
    const bases = new Set<string>();
    let regex = false;
    for (const e of this.#entriesOf(value)) {
      if (e.mode === 'regex') regex = true;
      else if (e.mode !== 'never' && e.base) bases.add(e.base);
    }
    return { bases, regex };
  }

  add(value: T): void {
    const { bases, regex } = this.#keys(value);
    if (regex) this.#regex.add(value);
    for (const base of bases) {
      const set = this.#byBase.get(base);
      if (set) set.add(value);
      else this.#byBase.set(base, new Set([value]));
    }
  }

  /** Removes a value added before (its entries must be the ones it was added with). */
  delete(value: T): void {
    const { bases } = this.#keys(value);
    this.#regex.delete(value);
    for (const base of bases) {
      const set = this.#byBase.get(base);
      set?.delete(value);
      if (set?.size === 0) this.#byBase.delete(base);
    }
  }

  candidates(page: PageKey): T[] {
    const same = this.#byBase.get(page.base);
    const found = new Set<T>(same ?? []);
    for (const value of this.#regex) found.add(value);
    return [...found].sort(this.#order);
  }
}
