import { type CsvRow, headerKeys, readCsv } from './csv.ts';
import { type Draft, type DraftField, hostOf, makeItem } from './item-builder.ts';
import { type ImportFormat, type ImportedItem, importError } from './types.ts';
import { isWatchwordCsvHeader, watchwordCsvItem } from './watchword.ts';

/** One CSV row with its header: `get` marks a column as read; the columns nobody read become custom fields. */
export class Row {
  readonly #keys: readonly string[];
  readonly #names: readonly string[];
  readonly #cells: readonly string[];
  readonly #read = new Set<number>();
  readonly line: number;
  constructor(keys: readonly string[], names: readonly string[], row: CsvRow) {
    this.#keys = keys;
    this.#names = names;
    this.#cells = row.cells;
    this.line = row.line;
  }
  get(key: string): string {
    const i = this.#keys.indexOf(key);
    if (i === -1) return '';
    this.#read.add(i);
    return this.#cells[i] ?? '';
  }
  /** Marks columns as known metadata that has no place in an item (ids, timestamps, icons). */
  ignore(...keys: string[]): void {
    for (const k of keys) this.get(k);
  }
  /** The non-empty cells nobody read yet (then marked read), as text fields named by their header; cells beyond the header too. */
  rest(): DraftField[] {
    const out: DraftField[] = [];
    this.#cells.forEach((value, i) => {
      if (this.#read.has(i)) return;
      this.#read.add(i);
      if (value === '') return;
      out.push({ name: this.#names[i] || `Column ${i + 1}`, value });
    });
    return out;
  }
}

interface CsvFormat {
  format: ImportFormat;
  /** Header names (lower-case) that must all be there; the format with the most that match wins. */
  required: readonly string[];
  /** Builds a draft, or null for a row that is no item (a folder definition). */
  map(row: Row, all: readonly Row[]): Draft | null;
}

const truthy = (v: string) => /^(1|true|yes|y)$/i.test(v.trim());
const split = (v: string, sep: RegExp) => v.split(sep).map((s) => s.trim()).filter((s) => s !== '');
const folderOf = (v: string, sep: RegExp = /\//) => split(v, sep);

/** "name: value" lines (Bitwarden CSV's `fields` column). */
function nameValueLines(text: string, sep: string): DraftField[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l !== '')
    .map((l) => {
      const at = l.indexOf(sep);
      return at === -1 ? { name: l, value: '' } : { name: l.slice(0, at), value: l.slice(at + sep.length) };
    });
}

/** Expiry as "MM/YY", "MM/YYYY", "YYYY-MM" or "YYYYMM" into the card's month and year. */
export function expiry(v: string): { expMonth?: string; expYear?: string } {
  const t = v.trim();
  let m: RegExpMatchArray | null;
  if ((m = t.match(/^(\d{1,2})\s*\/\s*(\d{2}|\d{4})$/))) return { expMonth: (m[1] as string).padStart(2, '0'), expYear: (m[2] as string).length === 2 ? `20${m[2]}` : (m[2] as string) };
  if ((m = t.match(/^(\d{4})-(\d{1,2})$/))) return { expMonth: (m[2] as string).padStart(2, '0'), expYear: m[1] as string };
  if ((m = t.match(/^(\d{4})(\d{2})$/))) return { expMonth: m[2] as string, expYear: m[1] as string };
  return {};
}

/** LastPass secure notes: "NoteType:…" then "Key:Value" lines; "Notes:" takes the rest of the text. */
function lastPassNote(extra: string): Draft {
  if (!extra.startsWith('NoteType:')) return { type: 'note', notes: extra };
  const lines = extra.split('\n');
  const fields: DraftField[] = [];
  let notes: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const at = line.indexOf(':');
    const key = at === -1 ? line : line.slice(0, at);
    const value = at === -1 ? '' : line.slice(at + 1);
    if (key === 'Notes') {
      notes = [value, ...lines.slice(i + 1)].join('\n').replace(/\n$/, '');
      break;
    }
    if (value !== '') fields.push({ name: key === 'NoteType' ? 'Note type' : key, value });
  }
  return { type: 'note', notes, fields };
}

function bitwardenRow(r: Row, folder: string[], tags: string[]): Draft {
  r.ignore('reprompt');
  return {
    type: r.get('type') === 'note' ? 'note' : 'login',
    name: r.get('name'),
    notes: r.get('notes'),
    favorite: truthy(r.get('favorite')),
    folder,
    tags,
    fields: nameValueLines(r.get('fields'), ': '),
    urls: split(r.get('login_uri'), /,/),
    username: r.get('login_username'),
    password: r.get('login_password'),
    totp: [r.get('login_totp')],
  };
}

/** The CSV header-bearing formats; Keeper's header-less CSV is read by `keeperRows`. */
const FORMATS: CsvFormat[] = [
  {
    format: 'bitwarden-csv',
    required: ['folder', 'favorite', 'type', 'name', 'notes', 'fields', 'login_uri', 'login_username', 'login_password', 'login_totp'],
    map: (r) => bitwardenRow(r, folderOf(r.get('folder')), []),
  },
  {
    // An organisation's export: collections instead of a folder (the first is the folder, the others tags).
    format: 'bitwarden-csv',
    required: ['collections', 'type', 'name', 'notes', 'fields', 'login_uri', 'login_username', 'login_password', 'login_totp'],
    map: (r) => {
      const [first, ...others] = split(r.get('collections'), /,/);
      return bitwardenRow(r, folderOf(first ?? ''), others);
    },
  },
  {
    format: '1password-csv',
    required: ['title', 'url', 'username', 'password', 'otpauth', 'favorite', 'archived', 'tags', 'notes'],
    map: (r) => ({
      name: r.get('title'),
      urls: [r.get('url')],
      username: r.get('username'),
      password: r.get('password'),
      totp: [r.get('otpauth')],
      favorite: truthy(r.get('favorite')),
      archived: truthy(r.get('archived')),
      tags: split(r.get('tags'), /[;,]/),
      notes: r.get('notes'),
    }),
  },
  {
    format: '1password-csv',
    required: ['uuid', 'title', 'username', 'password', 'url', 'notes'],
    map: (r) => {
      r.ignore('uuid', 'scope', 'autosubmit');
      const draft: Draft = { name: r.get('title'), username: r.get('username'), password: r.get('password'), urls: [r.get('url'), ...split(r.get('urls'), /[\n,]/)], notes: r.get('notes') };
      const totp: string[] = [];
      const fields: DraftField[] = [];
      for (const f of r.rest()) {
        // Section columns: "SECTION_<id> <n>: <LABEL>".
        const label = f.name.match(/^SECTION_\w+ \d+: (.*)$/)?.[1] ?? f.name;
        const otp = f.value?.startsWith('otpauth://') === true;
        if (otp && totp.length === 0) totp.push(f.value as string);
        else fields.push({ name: label, value: f.value, hidden: otp });
      }
      return { ...draft, totp, fields };
    },
  },
  {
    format: 'lastpass-csv',
    required: ['url', 'username', 'password', 'extra', 'name', 'grouping', 'fav'],
    map: (r) => {
      const common = { name: r.get('name'), folder: folderOf(r.get('grouping'), /\\/), favorite: truthy(r.get('fav')) };
      if (r.get('url') === 'http://sn') {
        r.ignore('username', 'password', 'totp');
        return { ...common, ...lastPassNote(r.get('extra')) };
      }
      return { ...common, urls: [r.get('url')], username: r.get('username'), password: r.get('password'), totp: [r.get('totp')], notes: r.get('extra') };
    },
  },
  {
    format: 'keepassxc-csv',
    required: ['group', 'title', 'username', 'password', 'url', 'notes'],
    map: (r) => {
      r.ignore('icon', 'last modified', 'created');
      // The first segment is the database's root group, which KeePassXC writes on every row.
      return { name: r.get('title'), folder: folderOf(r.get('group')).slice(1), username: r.get('username'), password: r.get('password'), urls: [r.get('url')], notes: r.get('notes'), totp: [r.get('totp')] };
    },
  },
  {
    format: 'firefox-csv',
    required: ['url', 'username', 'password', 'httprealm', 'formactionorigin', 'guid', 'timecreated', 'timelastused', 'timepasswordchanged'],
    map: (r) => {
      r.ignore('guid', 'timecreated', 'timelastused', 'timepasswordchanged');
      const url = r.get('url');
      // Firefox exports no name: the site's host stands for it (the value as written when it is no absolute URL).
      return { name: (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && hostOf(url)) || url, urls: [url], username: r.get('username'), password: r.get('password') };
    },
  },
  {
    format: 'safari-csv',
    required: ['title', 'url', 'username', 'password', 'notes', 'otpauth'],
    map: (r) => ({ name: r.get('title'), urls: [r.get('url')], username: r.get('username'), password: r.get('password'), notes: r.get('notes'), totp: [r.get('otpauth')] }),
  },
  {
    format: 'protonpass-csv',
    required: ['type', 'name', 'url', 'email', 'username', 'password', 'note', 'totp', 'vault'],
    map: (r) => {
      r.ignore('createtime', 'modifytime');
      const kind = r.get('type');
      const email = r.get('email');
      const username = r.get('username');
      const base = { name: r.get('name'), folder: folderOf(r.get('vault'), /$^/) };
      if (kind === 'login') {
        return { ...base, username: username || email, fields: username && email ? [{ name: 'Email', value: email }] : [], password: r.get('password'), urls: split(r.get('url'), /,/), totp: [r.get('totp')], notes: r.get('note') };
      }
      if (kind === 'creditCard') {
        const note = r.get('note');
        let card: Record<string, unknown> = {};
        try {
          card = JSON.parse(note) as Record<string, unknown>;
        } catch {
          return { ...base, type: 'card', notes: note };
        }
        const s = (k: string) => (typeof card[k] === 'string' ? (card[k] as string) : typeof card[k] === 'number' ? String(card[k]) : '');
        return {
          ...base,
          type: 'card',
          card: { cardholder: s('cardholderName'), number: s('number'), code: s('verificationNumber'), ...expiry(s('expirationDate')) },
          fields: [{ name: 'PIN', value: s('pin'), hidden: true }],
          notes: s('note'),
        };
      }
      // Notes, aliases and anything newer: a note with every value as a field.
      return { ...base, type: 'note', notes: r.get('note'), fields: [{ name: kind === 'alias' ? 'Alias' : 'Email', value: email }, { name: 'Type', value: kind === 'note' ? '' : kind }], username, password: r.get('password'), urls: [r.get('url')], totp: [r.get('totp')] };
    },
  },
  {
    format: 'dashlane-csv',
    required: ['username', 'username2', 'username3', 'title', 'password', 'note', 'url', 'category', 'otpsecret'],
    map: (r) => ({
      name: r.get('title'),
      username: r.get('username'),
      fields: [{ name: 'Username 2', value: r.get('username2') }, { name: 'Username 3', value: r.get('username3') }],
      password: r.get('password'),
      notes: r.get('note'),
      urls: [r.get('url')],
      folder: folderOf(r.get('category'), /$^/),
      totp: [r.get('otpsecret')],
    }),
  },
  {
    format: 'nordpass-csv',
    required: ['name', 'url', 'username', 'password', 'note', 'cardholdername', 'cardnumber', 'cvc', 'expirydate', 'zipcode', 'folder', 'full_name'],
    map: (r, all) => {
      const name = r.get('name');
      const kind = r.get('type');
      if (kind === 'folder') return null;
      const values = { url: r.get('url'), username: r.get('username'), password: r.get('password'), note: r.get('note'), folder: r.get('folder') };
      const card = { cardholder: r.get('cardholdername'), number: r.get('cardnumber'), code: r.get('cvc'), ...expiry(r.get('expirydate')) };
      const identity = { firstName: r.get('full_name'), phone: r.get('phone_number'), email: r.get('email'), address: [r.get('address1'), r.get('address2')].filter((a) => a !== '').join('\n'), city: r.get('city'), country: r.get('country'), state: r.get('state'), postalCode: r.get('zipcode') };
      const rest = r.rest();
      const empty = (o: object) => Object.values(o).every((v) => v === '' || v === undefined);
      // Older exports have no type column: a row with only a name that other rows use as their folder defines it.
      if (!kind && empty(values) && empty(card) && empty(identity) && rest.length === 0 && all.some((o) => o !== r && o.get('folder') === name)) return null;
      const type = kind === 'credit_card' || (!kind && !empty({ number: card.number, code: card.code })) ? 'card' : kind === 'identity' || (!kind && !empty(identity)) ? 'identity' : kind === 'note' || (!kind && values.note !== '' && empty({ url: values.url, username: values.username, password: values.password })) ? 'note' : 'login';
      return {
        type,
        name,
        urls: [values.url, ...split(r.get('additional_urls'), /,/)],
        username: values.username,
        password: values.password,
        notes: values.note,
        folder: folderOf(values.folder),
        card: type === 'card' ? card : undefined,
        identity: type === 'identity' ? identity : undefined,
        fields: [...(type === 'card' ? [] : Object.entries(card).map(([k, v]) => ({ name: k, value: v }))), ...(type === 'identity' ? [] : Object.entries(identity).map(([k, v]) => ({ name: k, value: v }))), ...rest],
      };
    },
  },
  {
    // Chrome, Edge, Brave, Opera and Watchword's own CSV: name,url,username,password and optionally the rest.
    format: 'chrome-csv',
    required: ['name', 'url', 'username', 'password'],
    map: (r) => ({
      name: r.get('name'),
      urls: [r.get('url')],
      username: r.get('username'),
      password: r.get('password'),
      notes: r.get('note') || r.get('notes'),
      totp: [r.get('totp')],
      folder: folderOf(r.get('folder')),
    }),
  },
  {
    format: 'watchword-csv',
    required: ['name'],
    map: (r) => ({ name: r.get('name'), urls: [r.get('url')], username: r.get('username'), password: r.get('password'), notes: r.get('notes'), totp: [r.get('totp')], folder: folderOf(r.get('folder')) }),
  },
];

export const CSV_FORMATS: readonly ImportFormat[] = [...new Set([...FORMATS.map((f) => f.format), 'keeper-csv' as const])];

/** Keeper's CSV has no header: folder, title, login, password, url, notes, shared folder, then custom field name/value pairs. */
function keeperDraft(cells: readonly string[]): Draft {
  const c = (i: number) => cells[i] ?? '';
  const fields: DraftField[] = [];
  for (let i = 7; i < cells.length; i += 2) fields.push({ name: c(i), value: c(i + 1) });
  return { folder: folderOf(c(0), /[\\/]/), name: c(1), username: c(2), password: c(3), urls: [c(4)], notes: c(5), fields: [{ name: 'Shared folder', value: c(6) }, ...fields] };
}

function pick(header: readonly string[], forced: ImportFormat | undefined): CsvFormat | undefined {
  const candidates = FORMATS.filter((f) => (forced === undefined || f.format === forced) && f.required.every((k) => header.includes(k)));
  return candidates.sort((a, b) => b.required.length - a.required.length)[0];
}

/** Whether a CSV header row is one of the formats above (used by detection). */
export function csvFormatOf(text: string): ImportFormat | undefined {
  const firstLine = text.replace(/^\ufeff/, '').split(/\r?\n/, 1)[0] ?? '';
  const header = headerKeys(firstLine.split(',').map((c) => c.replace(/^"|"$/g, '')));
  if (isWatchwordCsvHeader(header)) return 'watchword-csv';
  return pick(header, undefined)?.format;
}

/** Reads a CSV export of `format` (or of whichever format its header names). */
export function parseCsvExport(text: string, format: ImportFormat | undefined): { format: ImportFormat; items: ImportedItem[] } {
  const rows = readCsv(text);
  if (format === 'keeper-csv') return { format, items: rows.map((row) => makeItem(keeperDraft(row.cells), `line ${row.line}`)) };
  const [head, ...body] = rows;
  if (!head) return { format: format ?? 'watchword-csv', items: [] };
  const keys = headerKeys(head.cells);
  if ((format === undefined || format === 'watchword-csv') && isWatchwordCsvHeader(keys)) {
    return { format: 'watchword-csv', items: body.map((row) => watchwordCsvItem(head.cells, row)) };
  }
  const spec = pick(keys, format);
  if (!spec) {
    if (format) throw importError('IMPORT_UNREADABLE', `line ${head.line}: the header row is not that of ${format}`, { line: head.line, format });
    throw importError('IMPORT_UNKNOWN_FORMAT', `line ${head.line}: the header row names no CSV format Watchword knows`, { line: head.line });
  }
  const wrapped = body.map((row) => new Row(keys, head.cells.map((c) => c.trim()), row));
  const items: ImportedItem[] = [];
  for (const row of wrapped) {
    const draft = spec.map(row, wrapped);
    if (!draft) continue;
    items.push(makeItem({ ...draft, fields: [...(draft.fields ?? []), ...row.rest()] }, `line ${row.line}`));
  }
  return { format: spec.format, items };
}
