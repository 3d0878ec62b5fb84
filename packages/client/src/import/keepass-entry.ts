import { type Draft, type DraftField } from './item-builder.ts';

/** A KeePass entry as both readers (XML export and KDBX) see it. */
export interface KeePassEntry {
  strings: Map<string, { value: string; protected: boolean }>;
  tags: string;
  attachments: string[];
  /** Group names from the database's root down (the root itself excluded). */
  groups: string[];
  trashed: boolean;
  /** Passwords of the entry's history, oldest first. */
  history: string[];
}

const STANDARD = new Set(['Title', 'UserName', 'Password', 'URL', 'Notes']);
/** KeePassXC keeps the TOTP as "otp"; KeePass 2.47+ as "TimeOtp-Secret-Base32"; KeePassXC's extra URLs as "KP2A_URL…". */
const TOTP_KEYS = new Set(['otp', 'TOTP Seed', 'TimeOtp-Secret-Base32']);
const URL_KEY = /^(KP2A_URL(_\d+)?|URL_\d+)$/;

export function keePassDraft(entry: KeePassEntry): Draft {
  const get = (k: string) => entry.strings.get(k)?.value ?? '';
  const fields: DraftField[] = [];
  const totp: string[] = [];
  const urls = [get('URL')];
  for (const [key, { value, protected: hidden }] of entry.strings) {
    if (STANDARD.has(key)) continue;
    if (TOTP_KEYS.has(key)) totp.push(value);
    else if (URL_KEY.test(key)) urls.push(value);
    else fields.push({ name: key, value, hidden });
  }
  const password = get('Password');
  const old = [...new Set(entry.history.filter((p) => p !== '' && p !== password))];
  old.forEach((p, i) => fields.push({ name: `Password history ${i + 1}`, value: p, hidden: true }));
  return {
    name: get('Title'),
    username: get('UserName'),
    password,
    urls,
    notes: get('Notes'),
    totp,
    fields,
    folder: entry.groups,
    tags: entry.tags.split(/[;,]/),
    trashed: entry.trashed,
    leftOut: entry.attachments.map((a) => `attachment "${a}"`),
  };
}
