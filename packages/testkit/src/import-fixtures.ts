import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ItemContent } from '@watchword/protocol';

/** The shared fixtures beside the repository (CI has a copy of shared/ next to the clone); never edited or copied. */
export const FIXTURES = resolve(import.meta.dirname, '../../../../shared/fixtures/imports');
export const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)));

/**
 * The 14 entries of roddhjav/pass-import's test database, as its files hold them (read from bitwarden.csv,
 * chrome.csv, keepass.xml … by eye): name, user name, password, URL, notes and folder. Each format writes the same
 * data its own way; `passImportItems` shapes them the way a given file carries them.
 */
const P = {
  aib: "ws5T@;_UB[Q|P!8'`~z%XC'JHFUbf#IX _E0}:HF,[{ei0hBg14",
  afoqwdr: '9KVHnx:.S_S;cF`=CE@e\\p{v6',
  fner: "mt}h'hSUCY;SU;;A!l[8y3O:8",
  klivak: '2cUqe}e9}>IVZf)Ye>3C8ZN,r',
  mnyfymt: 'rPCkmNkhIa>{izt3C3F823!Go',
  hn: "1)Btf2EI~Tfb7g2A!Sy',*Sj#",
  mastodon: "D<INNeT?#?Bf4%`zA/4i!/'$T",
  ovh1: "3Z-VW!i,j(&!zRGPu(hFe]s'(",
  ovh2: '^Vr/|o>_H8X%T]7>f}7|:U!Zs',
  space: ']stDKo{%pk',
  twitter: 'SoNEwvU,kJ%-cIKJ9[c#S;]jB',
};
export const NOTE_TEXT = 'This is a multiline note entry. Cube shank petroleum guacamole dart mower\nacutely slashing upper cringing lunchbox tapioca wrongful unbeaten sift.';

interface Entry {
  name: string;
  username?: string;
  password?: string;
  url?: string;
  notes?: string;
  folder: string[];
}
const ENTRIES: Entry[] = [
  { name: 'aib', username: 'dpbx@fner.ws', password: P.aib, url: 'https://onlinebanking.aib.ie', folder: ['Bank'] },
  { name: 'dpbx@afoqwdr.tx', username: 'dpbx', password: P.afoqwdr, url: 'https://afoqwdr.tx', folder: ['Emails'] },
  { name: 'dpbx@fner.ws', username: 'dpbx', password: P.fner, notes: 'For financial purpose only!', folder: ['Emails', 'WS'] },
  { name: 'dpbx@klivak.xb', username: 'dpbx', password: P.klivak, notes: 'This is a garbage address', folder: ['Emails'] },
  { name: 'dpbx@mnyfymt.ws', username: 'dpbx', password: P.mnyfymt, url: 'https://mail.mnyfymt.ws', folder: ['Emails', 'WS'] },
  { name: 'empty entry', folder: ['CornerCases'] },
  { name: 'empty password', username: 'vkeelpbu', url: 'https://nhysdo.wg', folder: ['CornerCases'] },
  { name: 'https://news.ycombinator.com', username: 'ostqxi', password: P.hn, url: 'https://news.ycombinator.com', folder: ['Social'] },
  { name: 'mastodon.social', username: 'ostqxi', password: P.mastodon, url: 'https://mastodon.social/', folder: ['Social'] },
  { name: 'note', notes: NOTE_TEXT, folder: ['CornerCases'] },
  { name: 'ovh.com', username: 'bynbyjhqjz', password: P.ovh1, url: 'https://www.ovh.com/manager/web/', folder: ['Servers'] },
  { name: 'ovh.com', username: 'jsdkyvbwjn', password: P.ovh2, url: 'https://www.ovh.com/manager/web/', folder: ['Servers'] },
  { name: 'space title', username: 'vkeelpbu', password: P.space, url: 'https://nhysdo.wg', folder: ['CornerCases'] },
  { name: 'twitter.com', username: 'ostqxi', password: P.twitter, url: 'https://twitter.com/', folder: ['Social'] },
];

export function folderOf(segments: readonly string[]): Pick<ItemContent, 'folder' | 'folderPath'> {
  if (segments.length === 0) return {};
  if (segments.length === 1) return { folder: segments[0] as string };
  return { folder: segments.join('/'), folderPath: [...segments] };
}

export interface PassImportShape {
  /** Whether the file carries folders. */
  folders: boolean;
  /** Item types of the two entries without credentials, when the format says they are notes. */
  notes?: 'note' | 'login';
  /** The custom fields of "aib" in this file. */
  aibFields?: ItemContent['fields'];
  /** How the multi-line note's line break is written. */
  eol?: string;
  /** Rewrites an entry (formats that carry less, or differently). */
  adjust?: (item: ItemContent) => ItemContent;
}

export function passImportItems(shape: PassImportShape): ItemContent[] {
  return ENTRIES.map((e) => {
    const isNote = e.name === 'note' || e.name === 'empty entry';
    const type = isNote ? (shape.notes ?? 'login') : 'login';
    const login = Object.fromEntries(
      Object.entries({ username: e.username, password: e.password, urls: e.url ? [e.url] : undefined }).filter(([, v]) => v !== undefined),
    );
    const notes = e.notes === undefined ? undefined : e.notes.replace(/\n/g, shape.eol ?? '\n');
    const item: ItemContent = {
      type,
      name: e.name,
      ...(notes ? { notes } : {}),
      ...(shape.folders ? folderOf(e.folder) : {}),
      fields: e.name === 'aib' ? (shape.aibFields ?? []) : [],
      ...(Object.keys(login).length > 0 ? { login } : {}),
    };
    return shape.adjust ? shape.adjust(item) : item;
  });
}

/** Order-free comparison: both sides sorted by their JSON. */
export const sorted = <T>(items: readonly T[]): T[] => [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
