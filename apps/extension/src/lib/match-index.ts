import type { CompiledEntry, PageKey } from './match.ts';

/**
 * The logins that can match a page, found without scoring the whole vault: every mode but `regex` matches only pages of
 * the entry's own registrable domain (base: the same eTLD+1; host, startsWith and exact imply the same host), so the
 * candidates for a page are the items with an entry of the page's registrable domain plus the items with a regular
 * expression. They come back in the order they were given (the vault's name order); scoring them (compiledScore) is
 * still the caller's job, so `{never}` entries and modes keep their meaning.
 */
export class MatchIndex<T> {
  readonly #values: readonly T[];
  readonly #byBase = new Map<string, number[]>();
  readonly #regex: number[] = [];

  constructor(values: readonly T[], entriesOf: (value: T) => readonly CompiledEntry[]) {
    this.#values = values;
    values.forEach((value, position) => {
      const bases = new Set<string>();
      let regex = false;
      for (const e of entriesOf(value)) {
        if (e.mode === 'regex') regex = true;
        else if (e.mode !== 'never' && e.base) bases.add(e.base);
      }
      if (regex) this.#regex.push(position);
      for (const base of bases) {
        const list = this.#byBase.get(base);
        if (list) list.push(position);
        else this.#byBase.set(base, [position]);
      }
    });
  }

  candidates(page: PageKey): T[] {
    const same = this.#byBase.get(page.base) ?? [];
    const positions = this.#regex.length === 0 ? same : [...new Set([...same, ...this.#regex])].sort((a, b) => a - b);
    return positions.map((p) => this.#values[p]!);
  }
}
