import { describe, expect, it } from 'vitest';
import { isItemContentShape } from '../src/item-shape.ts';
import Value from 'typebox/value';
import { ItemContentSchema, MAX_FOLDER_DEPTH, validateItemContent } from '../src/items.ts';
import { WatchwordError } from '../src/errors.ts';

/** What the schema says of a value: TypeBox itself, plus the folder rule validateItemContent adds (not its fast path). */
function schemaAccepts(value: unknown): boolean {
  if (!Value.Check(ItemContentSchema, value)) return false;
  return value.folderPath === undefined || value.folder === value.folderPath.join('/');
}

const full = () => ({
  type: 'login',
  name: 'Bank',
  notes: 'n',
  favorite: true,
  archived: false,
  folder: 'A/B',
  folderPath: ['A', 'B'],
  tags: ['t'],
  fields: [{ name: 'pin', value: '1', hidden: true, kind: 'text' }, { name: 'on', value: 'true', hidden: false, kind: 'boolean' }],
  login: { username: 'u', password: 'p', urls: ['https://a.example', ''], totp: 'JBSWY3DPEHPK3PXP' },
  card: { cardholder: 'c', brand: 'b', number: '4111', expMonth: '01', expYear: '2030', code: '123' },
  identity: { title: 'Dr', firstName: 'A', lastName: 'B', email: 'a@b.example', ssn: '1', licenseNumber: '2' },
});

/** Values at and past every bound, of the wrong type, extra keys: each a change of one place in a valid item. */
function variants(): [string, unknown][] {
  const out: [string, unknown][] = [['full', full()], ['minimal', { type: 'note', name: 'n', fields: [] }]];
  const set = (label: string, edit: (v: ReturnType<typeof full> & Record<string, unknown>) => void) => {
    const v = full() as ReturnType<typeof full> & Record<string, unknown>;
    edit(v);
    out.push([label, v]);
  };
  const s = (n: number) => 'x'.repeat(n);
  for (const type of ['login', 'note', 'card', 'identity', 'other', 1, null]) set(`type ${String(type)}`, (v) => (v.type = type as string));
  for (const n of [0, 1, 256, 257]) set(`name ${n}`, (v) => (v.name = s(n)));
  set('name number', (v) => ((v as Record<string, unknown>).name = 5));
  for (const n of [10_000, 10_001]) set(`notes ${n}`, (v) => (v.notes = s(n)));
  set('favorite string', (v) => ((v as Record<string, unknown>).favorite = 'yes'));
  set('archived null', (v) => ((v as Record<string, unknown>).archived = null));
  set('extra key', (v) => (v.extra = 1));
  set('__proto__ key', (v) => Object.defineProperty(v, '__proto__', { value: {}, enumerable: true }));
  set('no fields', (v) => delete (v as Partial<typeof v>).fields);
  set('fields object', (v) => ((v as Record<string, unknown>).fields = {}));
  set('201 fields', (v) => (v.fields = Array.from({ length: 201 }, () => ({ name: 'a', value: 'b', hidden: false, kind: 'text' }))));
  set('200 fields', (v) => (v.fields = Array.from({ length: 200 }, () => ({ name: 'a', value: 'b', hidden: false, kind: 'text' }))));
  set('field name 129', (v) => ((v.fields[0] as Record<string, unknown>).name = s(129)));
  set('field value 4097', (v) => ((v.fields[0] as Record<string, unknown>).value = s(4097)));
  set('field value 4096', (v) => ((v.fields[0] as Record<string, unknown>).value = s(4096)));
  set('field hidden missing', (v) => delete (v.fields[0] as Partial<(typeof v.fields)[0]>).hidden);
  set('field kind other', (v) => ((v.fields[0] as Record<string, unknown>).kind = 'date'));
  set('field extra', (v) => ((v.fields[0] as Record<string, unknown>).x = 1));
  set('field null', (v) => ((v.fields as unknown[])[0] = null));
  set('login array', (v) => ((v as Record<string, unknown>).login = []));
  set('login extra', (v) => ((v.login as Record<string, unknown>).x = 1));
  set('password 1025', (v) => (v.login.password = s(1025)));
  set('password 1024', (v) => (v.login.password = s(1024)));
  set('51 urls', (v) => (v.login.urls = Array.from({ length: 51 }, () => 'u')));
  set('url 2049', (v) => (v.login.urls = [s(2049)]));
  set('url number', (v) => ((v.login as Record<string, unknown>).urls = [1]));
  set('totp 513', (v) => (v.login.totp = s(513)));
  set('card code 17', (v) => (v.card.code = s(17)));
  set('card expMonth 3', (v) => (v.card.expMonth = s(3)));
  set('card extra', (v) => ((v.card as Record<string, unknown>).pin = '1'));
  set('card toString key', (v) => Object.defineProperty(v.card, 'toString', { value: 'x', enumerable: true }));
  set('identity email 321', (v) => (v.identity.email = s(321)));
  set('identity number', (v) => ((v.identity as Record<string, unknown>).firstName = 1));
  set('folder 1025', (v) => { delete (v as Partial<typeof v>).folderPath; v.folder = s(1025); });
  set('folderPath one segment', (v) => { v.folderPath = ['A']; v.folder = 'A'; });
  set('folderPath disagrees', (v) => (v.folder = 'A/C'));
  set('folderPath empty segment', (v) => { v.folderPath = ['A', '']; v.folder = 'A/'; });
  set(`folderPath ${MAX_FOLDER_DEPTH + 1} levels`, (v) => { v.folderPath = Array.from({ length: MAX_FOLDER_DEPTH + 1 }, () => 'a'); v.folder = v.folderPath.join('/'); });
  set(`folderPath ${MAX_FOLDER_DEPTH} levels`, (v) => { v.folderPath = Array.from({ length: MAX_FOLDER_DEPTH }, () => 'a'); v.folder = v.folderPath.join('/'); });
  set('tag empty', (v) => (v.tags = ['']));
  set('51 tags', (v) => (v.tags = Array.from({ length: 51 }, () => 't')));
  out.push(['array', []], ['null', null], ['string', 'x'], ['number', 1]);
  return out;
}

describe('isItemContentShape: the schema checked by hand (for batch decrypt)', () => {
  it.each(variants())('answers as the schema does: %s', (_label, value) => {
    expect(isItemContentShape(value)).toBe(schemaAccepts(value));
  });

  it('covers both answers (the variants are not all valid or all invalid)', () => {
    const answers = variants().map(([, v]) => isItemContentShape(v));
    expect(answers.filter(Boolean).length).toBeGreaterThan(5);
    expect(answers.filter((a) => !a).length).toBeGreaterThan(30);
  });
});

describe('validateItemContent with its fast path', () => {
  it.each(variants())('accepts and refuses as the schema does, with a pointer when it refuses: %s', (_label, value) => {
    if (schemaAccepts(value)) expect(validateItemContent(value)).toBe(value);
    else expect(() => validateItemContent(value)).toThrow(WatchwordError);
  });
});
