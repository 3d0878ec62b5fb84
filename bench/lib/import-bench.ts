import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { WatchwordClient } from '@watchword/client';

/** Runs `ww` with arguments, environment and standard input; returns its stdout, throws unless it exits 0. */
export type Ww = (args: string[], env: Record<string, string>, stdin?: string) => string;

/**
 * Bulk add, as a user does it: an export file of `count` items imported with `ww import --yes` into a new account,
 * timed from the command's start to its exit (reading and checking the file, client-side encryption, the batch
 * endpoint, the progress bar). The login before it is not timed; the vault is synced afterwards to check that every
 * item arrived. Three files: a CSV of logins, a Bitwarden JSON export and a 1Password 1PUX, each generated here.
 */
export async function bulkImport(url: string, count: number, ww: Ww): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'ww-bench-cli-'));
  try {
    const files = importFiles(dir, count);
    const facts: Record<string, number> = {};
    for (const [key, file] of Object.entries(files)) {
      const account = { email: `bulk-${key}@example.com`, password: 'bench bulk password' };
      await new WatchwordClient({ passwordPolicy: false, serverUrl: url, kdfVersion: 0 }).register(account);
      facts[`${key}Items`] = count;
      facts[`${key}Seconds`] = await timedImport(url, account, join(dir, key), file, count, ww);
    }
    return facts;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The three export files, `count` items each: logins with a folder (every tenth with a custom field and a TOTP). */
export function importFiles(dir: string, count: number): Record<'bulkImport' | 'bitwardenImport' | 'onePuxImport', string> {
  const secret = () => randomBytes(12).toString('base64url');
  const csv = join(dir, 'import.csv');
  const rows = Array.from({ length: count }, (_, n) => `imported ${n},user${n},${secret()},https://import${n}.example`);
  writeFileSync(csv, `name,username,password,url\n${rows.join('\n')}\n`);
  const folders = Array.from({ length: 20 }, (_, n) => ({ id: `folder-${n}`, name: n % 4 === 0 ? `Work/Team ${n}` : `Folder ${n}` }));
  const bitwarden = join(dir, 'bitwarden.json');
  const items = Array.from({ length: count }, (_, n) => ({
    id: `item-${n}`, organizationId: null, folderId: `folder-${n % 20}`, type: 1, name: `bitwarden ${n}`, notes: n % 10 === 0 ? `note ${n}` : null, favorite: n % 50 === 0,
    fields: n % 10 === 0 ? [{ name: 'PIN', value: String(n), type: 1 }] : [],
    login: { uris: [{ match: null, uri: `https://bw${n}.example/login` }], username: `user${n}`, password: secret(), totp: n % 10 === 0 ? 'JBSWY3DPEHPK3PXP' : null },
    collectionIds: null,
  }));
  writeFileSync(bitwarden, JSON.stringify({ encrypted: false, folders, items }));
  const onePux = join(dir, 'export.1pux');
  const vaultItems = Array.from({ length: count }, (_, n) => ({
    uuid: `u${n}`, favIndex: n % 50 === 0 ? 1 : 0, createdAt: 1700000000, updatedAt: 1700000000, state: 'active', categoryUuid: '001',
    details: {
      loginFields: [{ value: `user${n}`, name: 'username', fieldType: 'T', designation: 'username' }, { value: secret(), name: 'password', fieldType: 'P', designation: 'password' }],
      notesPlain: n % 10 === 0 ? `note ${n}` : '',
      sections: n % 10 === 0 ? [{ title: 'Extra', fields: [{ title: 'one-time password', id: `TOTP_${n}`, value: { totp: 'JBSWY3DPEHPK3PXP' } }, { title: 'PIN', id: `pin${n}`, value: { concealed: String(n) } }] }] : [],
      passwordHistory: [],
    },
    overview: { title: `1password ${n}`, url: `https://op${n}.example`, urls: [{ label: 'website', url: `https://op${n}.example` }], tags: n % 25 === 0 ? ['tagged'] : [] },
  }));
  const exportData = { accounts: [{ attrs: { accountName: 'Bench', name: 'Bench', email: 'bench@example.com', uuid: 'A', domain: 'https://my.1password.com/' }, vaults: [{ attrs: { uuid: 'v', name: 'Personal', type: 'P' }, items: vaultItems }] }] };
  writeFileSync(onePux, zipSync({ 'export.attributes': strToU8('{"version":3}'), 'export.data': strToU8(JSON.stringify(exportData)) }));
  return { bulkImport: csv, bitwardenImport: bitwarden, onePuxImport: onePux };
}

async function timedImport(url: string, account: { email: string; password: string }, dir: string, file: string, count: number, ww: Ww): Promise<number> {
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const env = { HOME: home, WATCHWORD_HOME: home, WATCHWORD_SERVER: url };
  const session = /^export WATCHWORD_SESSION=(\S+)$/m.exec(ww(['login', '--email', account.email, '--password-stdin'], env, `${account.password}\n`))?.[1];
  if (!session) throw new Error('ww login printed no session key');
  const started = performance.now();
  const out = ww(['import', file, '--yes', '--json'], { ...env, WATCHWORD_SESSION: session });
  const seconds = (performance.now() - started) / 1000;
  const imported = (JSON.parse(out) as { added: number }).added;
  const vault = await new WatchwordClient({ passwordPolicy: false, serverUrl: url, kdfVersion: 0 }).login(account);
  const stored = (await vault.list()).length;
  if (imported !== count || stored !== count) throw new Error(`ww import ${file}: ${imported} imported, ${stored} stored, ${count} expected`);
  return seconds;
}

