import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient } from '@watchword/client';
import { decodeBase32, totp } from '@watchword/protocol';
import { dialectsUnderTest, findSecrets, secretNeedles } from '@watchword/testkit';
import { createTestApp, type TestApp } from '@watchword/testkit/app';
import { parseMail } from './support/smtp.ts';

const SECRETS = {
  masterPassword: 'Tr0ub4dor&3-horse-Battery-staple',
  itemPassword: 'gh-S3cret!pa55w0rd',
  editedPassword: 'N3w!edited-pa55w0rd',
  itemNotes: 'my bank PIN is 4711-0815',
  username: 'zk-user-name-9d1f',
};

describe('secret scanner (the test helper itself)', () => {
  it('finds a secret hidden in base64 at any alignment, and hex', () => {
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const encoded = Buffer.from(`${prefix}${SECRETS.itemPassword}!!`).toString('base64');
      expect(findSecrets(encoded, { p: SECRETS.itemPassword })).not.toEqual([]);
      expect(findSecrets(Buffer.from(`${prefix}${SECRETS.itemPassword}`).toString('base64url'), { p: SECRETS.itemPassword })).not.toEqual([]);
    }
    expect(findSecrets(Buffer.from(SECRETS.itemPassword).toString('hex'), { p: SECRETS.itemPassword })).not.toEqual([]);
    expect(findSecrets('nothing to see', { p: SECRETS.itemPassword })).toEqual([]);
    // plain, hex, HEX, and base64 (= base64url here: no '+' or '/') at three alignments
    const needles = secretNeedles(SECRETS.itemPassword);
    expect(needles).toHaveLength(6);
    expect(needles).toContain(Buffer.from(SECRETS.itemPassword).toString('base64url').slice(0, -4));
  });
});

describe.each(dialectsUnderTest())('zero knowledge: the server never sees a secret (%s)', (dialect) => {
  let t: TestApp;
  /** Secrets the server does hold for a while or hands out once (recovery key, TOTP seed, backup codes, e-mail token): never in the database or a log. */
  const held: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp(dialect, { LOG_LEVEL: 'trace' }, { clock: 'running' });
    // The production key-stretching profile, as a real client uses.
    const client = new WatchwordClient({ passwordPolicy: false,  serverUrl: 'http://watchword.test', fetch: t.fetch });
    held.recoveryKey = (await client.register({ email: 'zk@example.com', password: SECRETS.masterPassword })).recoveryKey;
    const vault = await client.login({ email: 'zk@example.com', password: SECRETS.masterPassword });
    // The verification mail went to the outbox (no SMTP configured); its token is used once.
    const outbox = join(t.dataDir, 'outbox');
    const mail = readdirSync(outbox).map((f) => parseMail(readFileSync(join(outbox, f), 'utf8')).text).find((m) => m.includes('verify-email'));
    held.verifyToken = /token=([A-Za-z0-9_-]{43})/.exec(mail ?? '')?.[1] ?? '';
    expect(held.verifyToken).toHaveLength(43);
    await client.verifyEmail(held.verifyToken);
    // A second factor: the seed is sealed at rest, the backup codes kept as Argon2id hashes only.
    const security = client.security(vault.session);
    const { secret } = await security.enrolTotp(SECRETS.masterPassword);
    held.totpSecret = secret;
    held.totpSeedHex = Buffer.from(decodeBase32(secret)).toString('hex');
    held.totpSeedBase64Url = Buffer.from(decodeBase32(secret)).toString('base64url');
    const codes = (await security.confirmTotp(await totp(decodeBase32(secret), t.clock.now))) ?? [];
    expect(codes).toHaveLength(10);
    codes.forEach((c, i) => {
      held[`backupCode${i}`] = c;
      held[`backupCodeBare${i}`] = c.replaceAll('-', '');
    });
    const item = await vault.add({
      type: 'login',
      name: 'bank',
      notes: SECRETS.itemNotes,
      fields: [{ name: 'pin', value: SECRETS.itemNotes, hidden: true }],
      login: { username: SECRETS.username, password: SECRETS.itemPassword, urls: ['https://bank.example'] },
    });
    const read = await vault.get(item.id);
    expect(read.content.login?.password).toBe(SECRETS.itemPassword);
    await vault.update(item.id, { ...read.content, login: { ...read.content.login, password: SECRETS.editedPassword } }, read.revision);
    expect((await vault.get(item.id)).content.login?.password).toBe(SECRETS.editedPassword);
  });
  afterAll(async () => t.close());

  it('no request body carries a secret', () => {
    expect(t.requests.length).toBeGreaterThanOrEqual(8);
    for (const r of t.requests) expect(findSecrets(r.body, { ...SECRETS, recoveryKey: held.recoveryKey ?? '' }), `${r.method} ${r.url}`).toEqual([]);
  });

  it('no log line carries a secret (trace level)', () => {
    expect(t.logs.length).toBeGreaterThan(10);
    for (const line of t.logs) expect(findSecrets(line, { ...SECRETS, ...held })).toEqual([]);
  });

  it('the database holds no secret', async () => {
    if (dialect === 'sqlite') {
      const files = ['watchword.db', 'watchword.db-wal', 'watchword.db-shm'].map((f) => join(t.dataDir, f)).filter(existsSync);
      expect(files.length).toBeGreaterThanOrEqual(1);
      let bytes = 0;
      for (const f of files) {
        const content = readFileSync(f);
        bytes += content.length;
        expect(findSecrets(content, { ...SECRETS, ...held }), f).toEqual([]);
      }
      expect(bytes).toBeGreaterThan(4096);
    } else {
      const client = new pg.Client({ connectionString: t.config.databaseUrl });
      await client.connect();
      try {
        const tables = await client.query<{ tablename: string }>("select tablename from pg_tables where schemaname = 'public'");
        expect(tables.rows.length).toBeGreaterThanOrEqual(5);
        let rows = 0;
        for (const { tablename } of tables.rows) {
          // Table names come from the catalogue, quoted as identifiers.
          const dump = await client.query<{ row: string }>(`select row_to_json(t)::text as row from ${client.escapeIdentifier(tablename)} t`);
          for (const { row } of dump.rows) {
            rows++;
            expect(findSecrets(row, { ...SECRETS, ...held }), tablename).toEqual([]);
          }
        }
        expect(rows).toBeGreaterThanOrEqual(4);
      } finally {
        await client.end();
      }
    }
  });
});
