import { describe, expect, it } from 'vitest';
import { MatchIndex } from '../src/lib/match-index.ts';
import { baseDomain, compileEntries, compiledScore, entryScore, insecureForPage, itemScore, pageKey, parseEntry } from '../src/lib/match.ts';

describe('URL matching', () => {
  it('matches by registrable domain through the Public Suffix List', () => {
    expect(baseDomain('login.example.co.uk')).toBe('example.co.uk');
    expect(itemScore(['https://example.co.uk'], 'https://login.example.co.uk/a')).toBe(1);
    // Two sites under one public suffix are different sites.
    expect(itemScore(['https://alice.github.io'], 'https://mallory.github.io/')).toBe(0);
    expect(itemScore(['https://example.co.uk'], 'https://other.co.uk/')).toBe(0);
    expect(itemScore(['example.com'], 'https://www.example.com/')).toBe(1);
  });

  it('honours each match mode', () => {
    const page = 'https://a.example.com/app/login?x=1';
    expect(entryScore('{host} https://a.example.com', page)).toBe(2);
    expect(entryScore('{host} https://b.example.com', page)).toBe(0);
    expect(entryScore('{host} https://a.example.com:8443', page)).toBe(0);
    expect(entryScore('{startsWith} https://a.example.com/app/', page)).toBe(3);
    expect(entryScore('{startsWith} https://a.example.com/other/', page)).toBe(0);
    expect(entryScore('{exact} https://a.example.com/app/login?x=1', page)).toBe(4);
    expect(entryScore('{exact} https://a.example.com/app/login', page)).toBe(0);
    expect(entryScore('{regex} ^https://[a-z]\\.example\\.com/app/', page)).toBe(3);
    expect(entryScore('{regex} ([', page)).toBe(0);
    expect(entryScore('{never} https://example.com', page)).toBe(0);
    expect(itemScore(['https://example.com', '{never} https://example.com'], page)).toBe(0);
    expect(parseEntry('{host}https://x.test')).toEqual({ mode: 'host', pattern: 'https://x.test' });
  });

  it('matches nothing for non-web pages and over-long input', () => {
    expect(itemScore(['https://example.com'], 'chrome://settings')).toBe(0);
    expect(itemScore(['https://example.com'], `https://example.com/${'a'.repeat(3000)}`)).toBe(0);
    expect(entryScore(`{regex} ${'a'.repeat(3000)}`, 'https://example.com/')).toBe(0);
  });

  it('flags an http page matching a login saved for https', () => {
    expect(insecureForPage(['https://example.com'], 'http://example.com/login')).toBe(true);
    expect(insecureForPage(['example.com'], 'http://example.com/login')).toBe(true);
    expect(insecureForPage(['http://example.com'], 'http://example.com/login')).toBe(false);
    expect(insecureForPage(['https://example.com'], 'https://example.com/login')).toBe(false);
  });
});

describe('compiled matching (the service worker index)', () => {
  it('gives the same answers as matching the entries directly', async () => {
    const { compileEntries, compiledInsecure, compiledScore, pageKey } = await import('../src/lib/match.ts');
    const items = [
      ['https://example.co.uk'],
      ['{host} https://a.example.com'],
      ['{startsWith} https://a.example.com/app/'],
      ['{exact} https://a.example.com/app/login?x=1'],
      ['{regex} ^https://[a-z]\\.example\\.com/app/'],
      ['https://example.com', '{never} https://example.com'],
      ['example.com'],
      ['http://example.com'],
      ['https://alice.github.io'],
    ];
    const pages = ['https://login.example.co.uk/a', 'https://a.example.com/app/login?x=1', 'http://example.com/login', 'https://www.example.com/', 'https://mallory.github.io/', 'https://alice.github.io/x'];
    for (const urls of items) {
      for (const page of pages) {
        const key = pageKey(page)!;
        expect(compiledScore(compileEntries(urls), key), `${urls} @ ${page}`).toBe(itemScore(urls, page));
        expect(compiledInsecure(compileEntries(urls), key), `${urls} @ ${page}`).toBe(insecureForPage(urls, page));
      }
    }
  });
});

describe('MatchIndex', () => {
  it('finds the same matches as scoring every item, in the given order', () => {
    const items = [
      ['https://a.example.com'],
      ['{host} https://b.example.com:8443'],
      ['{regex} ^https://[a-z]+\\.example\\.org/'],
      ['https://elsewhere.test'],
      ['{never} https://example.com', 'https://a.example.com'],
      ['{exact} https://example.com/login'],
      ['{startsWith} https://example.co.uk/app/'],
      ['not a url at all'],
      [],
    ].map((urls, i) => ({ i, entries: compileEntries(urls) }));
    const index = new MatchIndex(items, (x) => x.entries);
    const pages = ['https://a.example.com/x', 'https://b.example.com:8443/', 'https://www.example.org/', 'https://example.com/login', 'https://example.co.uk/app/1', 'http://elsewhere.test/', 'https://nothing.test/'];
    for (const page of pages) {
      const key = pageKey(page)!;
      const full = items.filter((x) => compiledScore(x.entries, key) > 0).map((x) => x.i);
      const fast = index.candidates(key).filter((x) => compiledScore(x.entries, key) > 0).map((x) => x.i);
      expect(fast, page).toEqual(full);
    }
  });
});
