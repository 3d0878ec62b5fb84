import { getDomain } from 'tldts';

/**
 * Which saved web addresses match a page. Each entry of a login's `urls` is a web address, optionally preceded by a
 * match mode in braces (the same modes as Bitwarden's):
 *
 *   https://example.com            base domain (default): same registrable domain, by the Public Suffix List
 *   {host} https://a.example.com   same host name and port
 *   {startsWith} https://a.example.com/app/
 *   {exact} https://a.example.com/login
 *   {regex} ^https://[a-z]+\.example\.com/
 *   {never} https://example.com    this entry never matches
 *
 * A web address without a scheme is read as https. Matching never throws: an entry that cannot be read matches nothing.
 */
export type MatchMode = 'base' | 'host' | 'startsWith' | 'exact' | 'regex' | 'never';

export const MATCH_MODES: readonly MatchMode[] = ['base', 'host', 'startsWith', 'exact', 'regex', 'never'];

/** Longer entries and page addresses are not compared (a regular expression over them could be slow). */
export const MAX_MATCH_URL_LENGTH = 2048;

export interface UrlEntry {
  mode: MatchMode;
  pattern: string;
}

const MODE_PREFIX = /^\{(base|host|startsWith|exact|regex|never)\}\s*/;

export function parseEntry(entry: string): UrlEntry {
  const m = MODE_PREFIX.exec(entry.trim());
  if (!m) return { mode: 'base', pattern: entry.trim() };
  return { mode: m[1] as MatchMode, pattern: entry.trim().slice(m[0].length) };
}

export function formatEntry(entry: UrlEntry): string {
  return entry.mode === 'base' ? entry.pattern : `{${entry.mode}} ${entry.pattern}`;
}

function toUrl(text: string): URL | undefined {
  if (text.length === 0 || text.length > MAX_MATCH_URL_LENGTH) return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  try {
    const url = new URL(withScheme);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The registrable domain (eTLD+1) of a host; a host without one (localhost, an IP address) stands for itself. */
export function baseDomain(hostname: string): string {
  return getDomain(hostname, { allowPrivateDomains: true }) ?? hostname;
}

/** How well an entry matches: 0 none; higher is more specific. */
export function entryScore(entry: string, page: string): number {
  const pageUrl = toUrl(page);
  if (!pageUrl) return 0;
  const { mode, pattern } = parseEntry(entry);
  switch (mode) {
    case 'never':
      return 0;
    case 'regex': {
      if (pattern.length > MAX_MATCH_URL_LENGTH) return 0;
      try {
        return new RegExp(pattern).test(pageUrl.href) ? 3 : 0;
      } catch {
        return 0;
      }
    }
    case 'exact': {
      const url = toUrl(pattern);
      return url && url.href === pageUrl.href ? 4 : 0;
    }
    case 'startsWith': {
      const url = toUrl(pattern);
      return url && pageUrl.href.startsWith(url.href) ? 3 : 0;
    }
    case 'host': {
      const url = toUrl(pattern);
      return url && url.host === pageUrl.host ? 2 : 0;
    }
    case 'base': {
      const url = toUrl(pattern);
      if (!url) return 0;
      if (url.host === pageUrl.host) return 2;
      return baseDomain(url.hostname) === baseDomain(pageUrl.hostname) ? 1 : 0;
    }
  }
}

/** The best score of any of an item's entries for the page (0: the item does not match). */
export function itemScore(urls: readonly string[] | undefined, page: string): number {
  let best = 0;
  for (const entry of urls ?? []) {
    const { mode } = parseEntry(entry);
    // A `never` entry for this page rules the whole item out.
    if (mode === 'never') {
      const { pattern } = parseEntry(entry);
      if (entryScore(`{base} ${pattern}`, page) > 0) return 0;
      continue;
    }
    best = Math.max(best, entryScore(entry, page));
  }
  return best;
}

/**
 * True when filling a password into `page` would send it over plain http although the matching entry was saved
 * for https: the user is warned first.
 */
export function insecureForPage(urls: readonly string[] | undefined, page: string): boolean {
  const pageUrl = toUrl(page);
  if (!pageUrl || pageUrl.protocol !== 'http:') return false;
  for (const entry of urls ?? []) {
    const { mode, pattern } = parseEntry(entry);
    if (mode === 'regex' || entryScore(entry, page) === 0) continue;
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(pattern) || toUrl(pattern)?.protocol === 'https:') return true;
  }
  return false;
}

/** The origin of a page address, or undefined for anything that is not http(s). */
export function originOf(page: string): string | undefined {
  return toUrl(page)?.origin;
}

/** An item's entries read once, for matching many pages without parsing again (a 10,000-item vault). */
export interface CompiledEntry {
  mode: MatchMode;
  url: URL | undefined;
  regex: RegExp | undefined;
  base: string | undefined;
  /** The entry names no scheme (read as https). */
  schemeless: boolean;
}

export function compileEntries(urls: readonly string[] | undefined): CompiledEntry[] {
  return (urls ?? []).map((entry) => {
    const { mode, pattern } = parseEntry(entry);
    let regex: RegExp | undefined;
    if (mode === 'regex' && pattern.length <= MAX_MATCH_URL_LENGTH) {
      try {
        regex = new RegExp(pattern);
      } catch {
        regex = undefined;
      }
    }
    const url = mode === 'regex' ? undefined : toUrl(pattern);
    return { mode, url, regex, base: url ? baseDomain(url.hostname) : undefined, schemeless: !/^[a-z][a-z0-9+.-]*:\/\//i.test(pattern) };
  });
}

export interface PageKey {
  url: URL;
  base: string;
}

export function pageKey(page: string): PageKey | undefined {
  const url = toUrl(page);
  return url ? { url, base: baseDomain(url.hostname) } : undefined;
}

function compiledEntryScore(e: CompiledEntry, page: PageKey): number {
  switch (e.mode) {
    case 'never':
      return 0;
    case 'regex':
      return e.regex?.test(page.url.href) ? 3 : 0;
    case 'exact':
      return e.url && e.url.href === page.url.href ? 4 : 0;
    case 'startsWith':
      return e.url && page.url.href.startsWith(e.url.href) ? 3 : 0;
    case 'host':
      return e.url && e.url.host === page.url.host ? 2 : 0;
    case 'base':
      if (!e.url) return 0;
      if (e.url.host === page.url.host) return 2;
      return e.base === page.base ? 1 : 0;
  }
}

/** itemScore over compiled entries: the same answers (test/match.test.ts checks both agree). */
export function compiledScore(entries: readonly CompiledEntry[], page: PageKey): number {
  let best = 0;
  for (const e of entries) {
    if (e.mode === 'never') {
      if (e.url && (e.url.host === page.url.host || e.base === page.base)) return 0;
      continue;
    }
    best = Math.max(best, compiledEntryScore(e, page));
  }
  return best;
}

/** insecureForPage over compiled entries. */
export function compiledInsecure(entries: readonly CompiledEntry[], page: PageKey): boolean {
  if (page.url.protocol !== 'http:') return false;
  return entries.some((e) => e.mode !== 'never' && e.mode !== 'regex' && compiledEntryScore(e, page) > 0 && (e.schemeless || e.url?.protocol === 'https:'));
}
