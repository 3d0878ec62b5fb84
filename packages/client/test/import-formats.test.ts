import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { strToU8, zipSync } from 'fflate';
import { argon2id } from 'hash-wasm';
import * as kdbxweb from 'kdbxweb';
import { describe, expect, it } from 'vitest';
import type { WatchwordError } from '@watchword/protocol';
import { parseImportFile } from '../src/import/index.ts';
import '../src/import/keepass-kdbx.ts';
import { fixture, folderOf, sorted } from '@watchword/testkit';

const enc = (text: string) => new TextEncoder().encode(text);

async function failure(promise: Promise<unknown>): Promise<WatchwordError> {
  try {
    await promise;
  } catch (error) {
    return error as WatchwordError;
  }
  throw new Error('expected the import to fail');
}

/**
 * Bitwarden's password-protected export, written here from the format (bitwarden/clients' encrypted export:
 * PBKDF2-SHA256 or Argon2id over SHA-256(salt), HKDF-Expand to "enc"/"mac" keys, EncString type 2).
 */
async function bitwardenEncrypted(plain: string, password: string, kdf: 'pbkdf2' | 'argon2id'): Promise<string> {
  const salt = randomBytes(16).toString('base64');
  const master =
    kdf === 'pbkdf2'
      ? pbkdf2Sync(password, salt, 5000, 32, 'sha256')
      : Buffer.from(await argon2id({ password, salt: createHash('sha256').update(salt).digest(), iterations: 2, memorySize: 16 * 1024, parallelism: 1, hashLength: 32, outputType: 'binary' }));
  const expand = (info: string) => createHmac('sha256', master).update(Buffer.concat([Buffer.from(info), Buffer.from([1])])).digest();
  const encKey = expand('enc');
  const macKey = expand('mac');
  const encString = (text: string) => {
    const iv = randomBytes(16);
    const cipher = createCipheriv('aes-256-cbc', encKey, iv);
    const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    const mac = createHmac('sha256', macKey).update(Buffer.concat([iv, data])).digest();
    return `2.${iv.toString('base64')}|${data.toString('base64')}|${mac.toString('base64')}`;
  };
  return JSON.stringify({
    encrypted: true,
    passwordProtected: true,
    salt,
    kdfType: kdf === 'pbkdf2' ? 0 : 1,
    kdfIterations: kdf === 'pbkdf2' ? 5000 : 2,
    kdfMemory: kdf === 'pbkdf2' ? null : 16,
    kdfParallelism: kdf === 'pbkdf2' ? null : 1,
    encKeyValidation_DO_NOT_EDIT: encString(crypto.randomUUID()),
    data: encString(plain),
  });
}

describe('password-protected Bitwarden exports', () => {
  for (const kdf of ['pbkdf2', 'argon2id'] as const) {
    it(`opens one sealed with ${kdf}, and reads the same items as the plain file`, async () => {
      const plain = new TextDecoder().decode(fixture('bitwarden.json'));
      const sealed = enc(await bitwardenEncrypted(plain, 'correct horse', kdf));
      const opened = await parseImportFile({ bytes: sealed, password: 'correct horse' });
      const direct = await parseImportFile({ bytes: fixture('bitwarden.json') });
      expect(opened.format).toBe('bitwarden-json');
      expect(opened.items).toEqual(direct.items);
      expect((await failure(parseImportFile({ bytes: sealed, password: 'wrong' }))).code).toBe('IMPORT_WRONG_PASSWORD');
      expect((await failure(parseImportFile({ bytes: sealed }))).code).toBe('IMPORT_PASSWORD_REQUIRED');
    });
  }

  it('explains that an account-restricted export cannot be opened outside Bitwarden', async () => {
    const error = await failure(parseImportFile({ bytes: enc(JSON.stringify({ encrypted: true, encKeyValidation_DO_NOT_EDIT: '2.a|b|c', data: '2.a|b|c', items: [] })) }));
    expect(error.code).toBe('IMPORT_UNREADABLE');
    expect(error.message).toMatch(/password protected/);
  });
});

describe('KeePass databases (KDBX)', () => {
  async function database(version: 3 | 4): Promise<Uint8Array> {
    const db = kdbxweb.Kdbx.create(new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString('kdbx pass')), 'Test DB');
    db.setVersion(version);
    if (version === 4) {
      db.setKdf(kdbxweb.Consts.KdfId.Argon2id);
      db.header.kdfParameters?.set('M', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(1024 * 1024));
      db.header.kdfParameters?.set('I', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(2));
    } else {
      db.header.keyEncryptionRounds = 1000;
    }
    const root = db.getDefaultGroup();
    const mail = db.createGroup(root, 'Mail');
    const work = db.createGroup(mail, 'Work');
    const entry = db.createEntry(work);
    entry.fields.set('Title', 'Webmail');
    entry.fields.set('UserName', 'alice');
    entry.fields.set('Password', kdbxweb.ProtectedValue.fromString('s3cret'));
    entry.fields.set('URL', 'https://mail.example');
    entry.fields.set('Notes', 'line 1\nline 2');
    entry.fields.set('otp', kdbxweb.ProtectedValue.fromString('otpauth://totp/x?secret=JBSWY3DPEHPK3PXP'));
    entry.fields.set('PIN', kdbxweb.ProtectedValue.fromString('1234'));
    entry.fields.set('Account', '42');
    entry.tags = ['work', 'mail'];
    entry.binaries.set('scan.pdf', await db.createBinary(new Uint8Array([1, 2, 3]).buffer));
    const gone = db.createEntry(root);
    gone.fields.set('Title', 'Old');
    gone.fields.set('Password', kdbxweb.ProtectedValue.fromString('old'));
    db.createRecycleBin();
    db.remove(gone);
    return new Uint8Array(await db.save());
  }

  for (const version of [3, 4] as const) {
    it(`reads a KDBX ${version === 3 ? '3.1 (AES-KDF)' : '4 (Argon2id)'} database: nested groups, protected fields, TOTP, tags, the recycle bin, attachments left out`, async () => {
      const bytes = await database(version);
      const result = await parseImportFile({ bytes, password: 'kdbx pass' });
      expect(result.format).toBe('keepass-kdbx');
      expect(sorted(result.items.map((i) => i.content))).toEqual(sorted([
        {
          type: 'login', name: 'Webmail', notes: 'line 1\nline 2', ...folderOf(['Mail', 'Work']), tags: ['work', 'mail'],
          fields: [{ name: 'PIN', value: '1234', hidden: true }, { name: 'Account', value: '42', hidden: false }],
          login: { username: 'alice', password: 's3cret', urls: ['https://mail.example'], totp: 'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP' },
        },
        { type: 'login', name: 'Old', fields: [], login: { password: 'old' } },
      ]));
      expect(Object.fromEntries(result.items.map((i) => [i.content.name, [i.trashed, i.leftOut]]))).toEqual({ Webmail: [false, ['attachment "scan.pdf"']], Old: [true, []] });
      expect((await failure(parseImportFile({ bytes, password: 'nope' }))).code).toBe('IMPORT_WRONG_PASSWORD');
      expect((await failure(parseImportFile({ bytes }))).code).toBe('IMPORT_PASSWORD_REQUIRED');
    });
  }
});

describe('CSV formats without a fixture file', () => {
  it("reads Safari's CSV (Title,URL,Username,Password,Notes,OTPAuth)", async () => {
    const text = 'Title,URL,Username,Password,Notes,OTPAuth\r\nexample.com (ada),https://example.com/,ada,pw-1,"two\nlines",otpauth://totp/example:ada?secret=JBSWY3DPEHPK3PXP\r\n';
    const result = await parseImportFile({ bytes: enc(text) });
    expect(result.format).toBe('safari-csv');
    expect(result.items.map((i) => i.content)).toEqual([
      { type: 'login', name: 'example.com (ada)', notes: 'two\nlines', fields: [], login: { username: 'ada', password: 'pw-1', urls: ['https://example.com/'], totp: 'otpauth://totp/example:ada?secret=JBSWY3DPEHPK3PXP' } },
    ]);
  });

  it("reads a Bitwarden organisation's CSV (collections for folders) and keeps unknown columns as fields", async () => {
    const text = 'collections,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp,extra\nTeam/Ops,login,db,,"a: 1",0,"https://a.example,https://b.example",root,pw,,more\n';
    const result = await parseImportFile({ bytes: enc(text) });
    expect(result.format).toBe('bitwarden-csv');
    expect(result.items.map((i) => i.content)).toEqual([
      {
        type: 'login', name: 'db', ...folderOf(['Team', 'Ops']),
        fields: [{ name: 'a', value: '1', hidden: false }, { name: 'extra', value: 'more', hidden: false }],
        login: { username: 'root', password: 'pw', urls: ['https://a.example', 'https://b.example'] },
      },
    ]);
  });
});

describe('zips and Watchword files', () => {
  it('reads a Proton Pass zip (Proton Pass/data.json) like the bare JSON', async () => {
    const zip = zipSync({ 'Proton Pass/data.json': fixture('protonpass.json') });
    const zipped = await parseImportFile({ bytes: zip });
    expect(zipped.format).toBe('protonpass-zip');
    expect(zipped.items).toEqual((await parseImportFile({ bytes: fixture('protonpass.json') })).items);
  });

  it("reads Watchword's export object (trash included) and a plain array of items", async () => {
    const content = { type: 'login', name: 'a', fields: [], login: { username: 'u' }, archived: true, ...folderOf(['A', 'B']) };
    const file = { format: 'watchword', version: 1, exportedAt: new Date().toISOString(), items: [{ id: 'x', createdAt: 1, updatedAt: 2, trashedAt: 3, content }] };
    const result = await parseImportFile({ bytes: enc(JSON.stringify(file)) });
    expect(result).toEqual({ format: 'watchword-json', items: [{ content, trashed: true, leftOut: [], source: 'entry 1' }] });
    const array = await parseImportFile({ bytes: enc(JSON.stringify([content])) });
    expect(array.items.map((i) => [i.content, i.trashed])).toEqual([[content, false]]);
    const bad = await failure(parseImportFile({ bytes: enc(JSON.stringify([content, { type: 'login', name: '', fields: [] }])) }));
    expect([bad.code, bad.message]).toEqual(['IMPORT_UNREADABLE', 'entry 2: not a valid Watchword item (/name)']);
  });

  it("reads Watchword's CSV export (lists one per line, fields as JSON, neutralised formula cells)", async () => {
    const header = 'type,name,notes,favorite,archived,folder,folderPath,tags,fields,login.username,login.password,login.urls,login.totp,trashed';
    const fields = JSON.stringify([{ name: 'b', value: 'true', hidden: false, kind: 'boolean' }]).replace(/"/g, '""');
    const row = `login,Site,"n1\nn2",true,false,A/B,"A\nB",t1,"${fields}",me,"'=1+1","https://a.example\nhttps://b.example",,true`;
    const result = await parseImportFile({ bytes: enc(`${header}\r\n${row}\r\n`) });
    expect(result.format).toBe('watchword-csv');
    expect(result.items).toEqual([
      {
        content: {
          type: 'login', name: 'Site', notes: 'n1\nn2', favorite: true, archived: false, ...folderOf(['A', 'B']), tags: ['t1'],
          fields: [{ name: 'b', value: 'true', hidden: false, kind: 'boolean' }],
          login: { username: 'me', password: '=1+1', urls: ['https://a.example', 'https://b.example'] },
        },
        trashed: true,
        leftOut: [],
        source: 'line 2',
      },
    ]);
  });
});
