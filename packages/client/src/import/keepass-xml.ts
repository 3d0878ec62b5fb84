import { XMLParser } from 'fast-xml-parser';
import { makeItem } from './item-builder.ts';
import { type KeePassEntry, keePassDraft } from './keepass-entry.ts';
import { isRecord } from './json.ts';
import { IMPORT_LIMITS } from './limits.ts';
import { type ImportedItem, importError } from './types.ts';

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * XML character references and the five predefined entities (XML 1.0 §4.6). Nothing else is expanded: documents
 * with a DOCTYPE are refused before parsing, so no entity can be declared (billion laughs, external entities).
 */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return PREDEFINED[ref] ?? whole;
  });
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const textOf = (v: unknown): string => decodeEntities(typeof v === 'string' ? v : isRecord(v) && typeof v['#text'] === 'string' ? v['#text'] : '');
const protectedOf = (v: unknown): boolean => isRecord(v) && (v['@ProtectInMemory'] === 'True' || v['@Protected'] === 'True');

/** Reads a KeePass 2 XML export (KeePass, KeePassXC): groups nest as folders, the recycle bin's entries go to the trash. */
export function parseKeePassXml(raw: string): ImportedItem[] {
  // XML 1.0 §2.11: a parser passes every line break on as a single LF.
  const text = raw.replace(/\r\n?/g, '\n');
  if (/<!DOCTYPE|<!ENTITY/i.test(text.slice(0, 64 * 1024))) throw importError('IMPORT_UNREADABLE', 'the XML declares a DOCTYPE or entities, which KeePass files never do; refused');
  let doc: unknown;
  try {
    doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      parseTagValue: false,
      parseAttributeValue: false,
      trimValues: false,
      processEntities: false,
      htmlEntities: false,
      isArray: (name) => name === 'Group' || name === 'Entry' || name === 'String' || name === 'Binary',
    }).parse(text, true);
  } catch (error) {
    const line = isRecord(error) && isRecord(error['err']) ? Number(error['err']['line']) : Number.NaN;
    throw importError('IMPORT_UNREADABLE', Number.isInteger(line) ? `line ${line}: not well-formed XML` : 'the file is not well-formed XML', Number.isInteger(line) ? { line } : {});
  }
  const file = isRecord(doc) ? doc['KeePassFile'] : undefined;
  if (!isRecord(file) || !isRecord(file['Root'])) throw importError('IMPORT_UNREADABLE', 'the XML is not a KeePass 2 export (no KeePassFile/Root)');
  const meta = isRecord(file['Meta']) ? file['Meta'] : {};
  const recycleBin = textOf(meta['RecycleBinEnabled']) === 'False' ? '' : textOf(meta['RecycleBinUUID']);
  const entries: KeePassEntry[] = [];
  const walk = (group: unknown, path: string[], trashed: boolean, depth: number) => {
    if (!isRecord(group)) return;
    if (depth > IMPORT_LIMITS.maxDepth) throw importError('IMPORT_TOO_LARGE', `groups nest deeper than ${IMPORT_LIMITS.maxDepth}`);
    const inBin = trashed || (recycleBin !== '' && textOf(group['UUID']) === recycleBin);
    for (const entry of asArray(group['Entry'])) entries.push(readEntry(entry, inBin ? [] : path, inBin));
    for (const child of asArray(group['Group'])) walk(child, inBin ? [] : [...path, textOf(isRecord(child) ? child['Name'] : '')], inBin, depth + 1);
  };
  // The top group is the database itself: its entries have no folder.
  for (const top of asArray(file['Root']['Group'])) walk(top, [], false, 0);
  return entries.map((e, i) => makeItem(keePassDraft(e), `entry ${i + 1}`));
}

function readEntry(entry: unknown, groups: string[], trashed: boolean): KeePassEntry {
  const strings = new Map<string, { value: string; protected: boolean }>();
  const e = isRecord(entry) ? entry : {};
  for (const s of asArray(e['String'])) {
    if (!isRecord(s)) continue;
    strings.set(textOf(s['Key']), { value: textOf(s['Value']), protected: protectedOf(s['Value']) });
  }
  const history: string[] = [];
  const h = e['History'];
  for (const old of isRecord(h) ? asArray(h['Entry']) : []) {
    for (const s of isRecord(old) ? asArray(old['String']) : []) if (isRecord(s) && textOf(s['Key']) === 'Password') history.push(textOf(s['Value']));
  }
  return {
    strings,
    tags: textOf(e['Tags']),
    attachments: asArray(e['Binary']).map((b) => (isRecord(b) ? textOf(b['Key']) : '')).filter((k) => k !== ''),
    groups,
    trashed,
    history,
  };
}

export const isKeePassXml = (text: string): boolean => /^\s*(<\?xml[^>]*>\s*)?<KeePassFile[\s>]/.test(text.slice(0, 4096).replace(/^\ufeff/, ''));
