import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailer, sendInBackground } from '../../src/mail/mailer.ts';
import type { MailLog, Mailer } from '../../src/mail/mailer.ts';
import { OUTBOX_LOG_MESSAGE } from '../../src/mail/outbox.ts';
import { smtpOptionsFromUrl } from '../../src/mail/smtp.ts';
import * as templates from '../../src/mail/templates.ts';
import { sanitizeLine } from '../../src/mail/templates.ts';
import { parseMail, startSmtpCapture } from '../support/smtp.ts';
import type { SmtpCapture } from '../support/smtp.ts';
import { createTempDir, type TempDir } from '@watchword/testkit';

const FROM = 'Watchword <watchword@vault.example.com>';
const SECRET_TOKEN = 'tok_4f9c2b7e1d0a8f3c6b5e2d1a0f9c8b7e';

interface LogEntry {
  level: 'info' | 'error';
  obj: object;
  msg: string;
}

function recordingLog(): MailLog & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    info: (obj, msg) => entries.push({ level: 'info', obj, msg }),
    error: (obj, msg) => entries.push({ level: 'error', obj, msg }),
  };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SMTP mailer', () => {
  let smtp: SmtpCapture;
  let mailer: Mailer | undefined;

  beforeEach(async () => {
    smtp = await startSmtpCapture();
  });
  afterEach(async () => {
    await mailer?.close();
    mailer = undefined;
    await smtp.close();
  });

  it('delivers To, From, Subject and body to a real SMTP server', async () => {
    const log = recordingLog();
    mailer = createMailer({ smtpUrl: smtp.url, from: FROM, outboxDir: '/nonexistent' }, log);
    expect(mailer.kind).toBe('smtp');

    const text = `Hello,\n\nyour token is ${SECRET_TOKEN}.\nGrüße — ünïcödé ✓\n${'long line '.repeat(30)}\n.\nA line with only a dot above.\n`;
    await mailer.send({ to: 'alice@example.com', subject: 'Confirm your address — Watchword ✓', text });

    const mail = await smtp.waitFor((m) => m.to.includes('alice@example.com'));
    expect(mail.to).toEqual(['alice@example.com']);
    expect(mail.from).toBe('watchword@vault.example.com');
    expect(mail.subject).toBe('Confirm your address — Watchword ✓');
    expect(mail.text).toBe(text);
    expect(mail.headers.get('to')).toEqual(['alice@example.com']);
    expect(mail.headers.get('from')).toEqual([FROM]);
    expect(mail.headers.get('auto-submitted')).toEqual(['auto-generated']);
    expect(mail.headers.get('message-id')).toHaveLength(1);
    expect(mail.headers.get('date')).toHaveLength(1);
    expect(mail.user).toBeUndefined();
    // Nothing logged per message, least of all the body.
    expect(JSON.stringify(log.entries)).not.toContain(SECRET_TOKEN);
  });

  it('sends several messages over the pool', async () => {
    mailer = createMailer({ smtpUrl: smtp.url, from: FROM, outboxDir: '/nonexistent' }, recordingLog());
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => mailer!.send({ to: `user${i}@example.com`, subject: `n${i}`, text: `body ${i}` })),
    );
    expect(smtp.messages.map((m) => m.subject).sort()).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
    for (const m of smtp.messages) expect(m.text).toBe(`body ${m.subject.slice(1)}\n`);
  });

  it('close() waits for a message in flight', async () => {
    const m = createMailer({ smtpUrl: smtp.url, from: FROM, outboxDir: '/nonexistent' }, recordingLog());
    const sending = m.send({ to: 'late@example.com', subject: 'late', text: 'still delivered' });
    await m.close();
    await sending;
    expect(smtp.messages.map((x) => x.to)).toEqual([['late@example.com']]);
    await expect(m.send({ to: 'a@example.com', subject: 's', text: 't' })).rejects.toThrow('closed');
  });

  it('keeps CRLF in the subject from adding header fields', async () => {
    mailer = createMailer({ smtpUrl: smtp.url, from: FROM, outboxDir: '/nonexistent' }, recordingLog());
    await mailer.send({
      to: 'victim@example.com',
      subject: 'Hello\r\nBcc: evil@example.com\r\nX-Injected: yes\n\nInjected body',
      text: 'body',
    });
    const mail = await smtp.waitFor(() => true);
    expect(mail.to).toEqual(['victim@example.com']);
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.headers.has('x-injected')).toBe(false);
    expect(mail.subject).toBe('Hello Bcc: evil@example.com X-Injected: yes Injected body');
    expect(mail.text).toBe('body\n');
  });

  it('refuses a recipient that would add headers or recipients', async () => {
    mailer = createMailer({ smtpUrl: smtp.url, from: FROM, outboxDir: '/nonexistent' }, recordingLog());
    for (const to of [
      'victim@example.com\r\nBcc: evil@example.com',
      'victim@example.com\nX-Injected: yes',
      'victim@example.com, evil@example.com',
      'victim@example.com;evil@example.com',
      'Victim <victim@example.com>',
      'victim @example.com',
      'no-at-sign',
      '',
    ]) {
      await expect(mailer.send({ to, subject: 's', text: 't' })).rejects.toThrow(TypeError);
    }
    await sleep(100);
    expect(smtp.messages).toEqual([]);
  });
});

describe('SMTP mailer with AUTH', () => {
  const user = 'mailer@vault.example.com';
  const pass = 'p@ss:w/rd%&?#';
  let smtp: SmtpCapture;

  beforeEach(async () => {
    smtp = await startSmtpCapture({ auth: { user, pass } });
  });
  afterEach(async () => {
    await smtp.close();
  });

  it('authenticates with the (percent-encoded) credentials of the URL', async () => {
    expect(smtp.url).toContain(encodeURIComponent(pass));
    const mailer = createMailer({ smtpUrl: smtp.url, from: FROM, outboxDir: '/nonexistent' }, recordingLog());
    await mailer.send({ to: 'bob@example.com', subject: 'authenticated', text: 'hi' });
    await mailer.close();
    const mail = await smtp.waitFor((m) => m.subject === 'authenticated');
    expect(mail.user).toBe(user);
    expect(mail.text).toBe('hi\n');
  });

  it('fails with a wrong password, and the log holds neither password nor body', async () => {
    const url = smtp.url.replace(encodeURIComponent(pass), 'wrong-secret-pw');
    const log = recordingLog();
    const mailer = createMailer({ smtpUrl: url, from: FROM, outboxDir: '/nonexistent' }, log);
    await expect(mailer.send({ to: 'bob@example.com', subject: 's', text: SECRET_TOKEN })).rejects.toThrow();
    await sendInBackground(mailer, { to: 'bob@example.com', subject: 's', text: SECRET_TOKEN }, log);
    await mailer.close();
    expect(log.entries).toHaveLength(1);
    expect(log.entries[0]).toMatchObject({ level: 'error', msg: 'sending mail failed', obj: { mailer: 'smtp' } });
    const logged = JSON.stringify(log.entries);
    expect(logged).not.toContain('wrong-secret-pw');
    expect(logged).not.toContain(SECRET_TOKEN);
    expect(logged).not.toContain('bob@example.com');
    expect(smtp.messages).toEqual([]);
  });
});

describe('sendInBackground', () => {
  it('resolves when the SMTP server is unreachable and logs the error without the body', async () => {
    const log = recordingLog();
    const mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${await closedPort()}`, from: FROM, outboxDir: '/nonexistent' }, log);
    const result = sendInBackground(mailer, { to: 'carol@example.com', subject: 'Recover', text: `token: ${SECRET_TOKEN}` }, log);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBeUndefined();
    await mailer.close();

    expect(log.entries).toHaveLength(1);
    const [entry] = log.entries;
    expect(entry).toMatchObject({ level: 'error', msg: 'sending mail failed', obj: { mailer: 'smtp', err: { code: 'ESOCKET' } } });
    expect(JSON.stringify(log.entries)).not.toContain(SECRET_TOKEN);
    expect(JSON.stringify(log.entries)).not.toContain('carol@example.com');
  });

  it('resolves when send throws synchronously, when the mailer is closed, and when logging throws', async () => {
    const log = recordingLog();
    const throwing: Mailer = {
      kind: 'outbox',
      send: () => {
        throw new Error('boom');
      },
      close: async () => undefined,
    };
    await expect(sendInBackground(throwing, { to: 'a@example.com', subject: 's', text: 't' }, log)).resolves.toBeUndefined();
    expect(log.entries[0]).toMatchObject({ level: 'error', obj: { err: { message: 'boom' } } });

    const dir = await createTempDir();
    try {
      const closed = createMailer({ smtpUrl: undefined, from: FROM, outboxDir: dir.path }, log);
      await closed.close();
      await expect(sendInBackground(closed, { to: 'a@example.com', subject: 's', text: 't' }, log)).resolves.toBeUndefined();
      expect(log.entries).toHaveLength(2);
    } finally {
      await dir.remove();
    }

    const explodingLog: MailLog = {
      info: () => undefined,
      error: () => {
        throw new Error('logger down');
      },
    };
    await expect(sendInBackground(throwing, { to: 'a@example.com', subject: 's', text: 't' }, explodingLog)).resolves.toBeUndefined();
  });
});

describe('outbox mailer', () => {
  let tmp: TempDir;
  beforeEach(async () => {
    tmp = await createTempDir();
  });
  afterEach(async () => {
    await tmp.remove();
  });

  it('writes a parseable .eml (0600, in a 0700 directory) and logs only its path', async () => {
    const outboxDir = join(tmp.path, 'data', 'outbox');
    const log = recordingLog();
    const mailer = createMailer({ smtpUrl: undefined, from: FROM, outboxDir }, log);
    expect(mailer.kind).toBe('outbox');
    const text = `Open https://vault.example.com/verify#${SECRET_TOKEN}\nGrüße ✓\n`;
    await mailer.send({ to: 'dave@example.com', subject: 'Verify — Watchword', text });
    await mailer.close();

    const files = await readdir(outboxDir);
    expect(files).toHaveLength(1);
    const [name] = files as [string];
    expect(name).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-[0-9a-f]{16}\.eml$/);
    const file = join(outboxDir, name);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(outboxDir)).mode & 0o777).toBe(0o700);

    const raw = await readFile(file, 'utf8');
    expect(raw).toContain('\r\n');
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const mail = parseMail(raw);
    expect(mail.headers.get('to')).toEqual(['dave@example.com']);
    expect(mail.headers.get('from')).toEqual([FROM]);
    expect(mail.subject).toBe('Verify — Watchword');
    expect(mail.text).toBe(text);

    expect(log.entries).toEqual([{ level: 'info', obj: { file }, msg: OUTBOX_LOG_MESSAGE }]);
    expect(JSON.stringify(log.entries)).not.toContain(SECRET_TOKEN);
  });

  it('writes the verification and recovery links as they are, so a person can copy them from the file', async () => {
    const mailer = createMailer({ smtpUrl: undefined, from: FROM, outboxDir: tmp.path }, recordingLog());
    const token = 'Q2hhbmdlX21lX3RvX2FfcmVhbF90b2tlbl9vZl80M19jaGFycw';
    const origin = 'https://a-rather-long-host-name.vault.example.com';
    const recovery = templates.recoveryRequested({ link: `${origin}/#/recover?token=${token}`, token, expiresMinutes: 30 });
    const verify = templates.verifyEmail({ link: `${origin}/#/verify-email?token=${token}`, expiresMinutes: 1440 });
    await mailer.send({ to: 'erin@example.com', ...recovery });
    await mailer.send({ to: 'erin@example.com', ...verify });
    await mailer.close();
    const files = await readdir(tmp.path);
    expect(files).toHaveLength(2);
    for (const name of files) {
      const raw = await readFile(join(tmp.path, name), 'utf8');
      expect(raw).toMatch(/^Content-Transfer-Encoding: 8bit\r$/m);
      expect(raw).not.toContain('=3D');
      const lines = raw.split('\r\n');
      // The link stands on a line of its own, whole, exactly as the server made it.
      expect(lines.filter((l) => l === `${origin}/#/recover?token=${token}` || l === `${origin}/#/verify-email?token=${token}`)).toHaveLength(1);
      expect(lines.every((l) => Buffer.byteLength(l) <= 998)).toBe(true);
      expect(parseMail(raw).text.replace(/\r\n/g, '\n')).toBe([recovery, verify].find((m) => raw.includes(m.subject))?.text.replace(/\r\n/g, '\n'));
    }
  });

  it('writes one file per message, with no temporary files left behind', async () => {
    const mailer = createMailer({ smtpUrl: undefined, from: FROM, outboxDir: tmp.path }, recordingLog());
    await Promise.all(Array.from({ length: 10 }, (_, i) => mailer.send({ to: `u${i}@example.com`, subject: `m${i}`, text: 'x' })));
    const files = await readdir(tmp.path);
    expect(files).toHaveLength(10);
    expect(files.every((f) => f.endsWith('.eml') && !f.startsWith('.'))).toBe(true);
    const subjects = await Promise.all(files.map(async (f) => parseMail(await readFile(join(tmp.path, f), 'utf8')).subject));
    expect(subjects.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`).sort());
  });

  it('does not let CRLF in the subject or recipient add headers', async () => {
    const mailer = createMailer({ smtpUrl: undefined, from: FROM, outboxDir: tmp.path }, recordingLog());
    await expect(
      mailer.send({ to: 'victim@example.com\r\nBcc: evil@example.com', subject: 's', text: 't' }),
    ).rejects.toThrow(TypeError);
    await expect(readdir(tmp.path)).resolves.toEqual([]);

    await mailer.send({ to: 'victim@example.com', subject: 'Hi\r\nBcc: evil@example.com', text: 't' });
    const [name] = (await readdir(tmp.path)) as [string];
    const mail = parseMail(await readFile(join(tmp.path, name), 'utf8'));
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.subject).toBe('Hi Bcc: evil@example.com');
  });

  it('fails (and sendInBackground logs) when the outbox cannot be written', async () => {
    const log = recordingLog();
    const blocker = join(tmp.path, 'file');
    await import('node:fs/promises').then((fs) => fs.writeFile(blocker, ''));
    const mailer = createMailer({ smtpUrl: undefined, from: FROM, outboxDir: join(blocker, 'outbox') }, log);
    await expect(mailer.send({ to: 'a@example.com', subject: 's', text: SECRET_TOKEN })).rejects.toThrow();
    await sendInBackground(mailer, { to: 'a@example.com', subject: 's', text: SECRET_TOKEN }, log);
    expect(log.entries).toMatchObject([{ level: 'error', obj: { mailer: 'outbox' } }]);
    expect(JSON.stringify(log.entries)).not.toContain(SECRET_TOKEN);
  });
});

describe('smtpOptionsFromUrl', () => {
  it('maps smtp:// and smtps:// URLs to pooled nodemailer options with timeouts', () => {
    expect(smtpOptionsFromUrl('smtp://mail.example.com')).toEqual({
      pool: true,
      host: 'mail.example.com',
      port: 587,
      secure: false,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
      debug: false,
    });
    expect(smtpOptionsFromUrl('smtps://u%40x.com:p%3Aw%2Fd@[::1]:2465/')).toMatchObject({
      host: '::1',
      port: 2465,
      secure: true,
      auth: { user: 'u@x.com', pass: 'p:w/d' },
    });
    expect(smtpOptionsFromUrl('smtps://mail.example.com')).toMatchObject({ port: 465, secure: true });
  });

  it('rejects other URLs without repeating them (they may hold a password)', () => {
    for (const url of [
      'http://user:hunter2@mail.example.com',
      'smtp://user:hunter2@mail.example.com/path',
      'smtp://user:hunter2@mail.example.com?secure=false',
      'smtp://user:hunter2%ZZ@mail.example.com',
      'not a url hunter2',
    ]) {
      expect(() => smtpOptionsFromUrl(url)).toThrow(/^SMTP_URL/);
      try {
        smtpOptionsFromUrl(url);
      } catch (error) {
        expect((error as Error).message).not.toContain('hunter2');
      }
    }
  });
});

describe('templates', () => {
  it('sanitizeLine strips control characters, collapses whitespace and caps the length', () => {
    expect(sanitizeLine('  Alice’s  MacBook  ')).toBe('Alice’s MacBook');
    expect(sanitizeLine('Evil\r\nBcc: x@example.com\n\nClick here')).toBe('Evil Bcc: x@example.com Click here');
    expect(sanitizeLine('a\tb\u0000c\u007fd\u0085e\u2028f\u2029g')).toBe('a b c d e f g');
    expect(sanitizeLine('abc\u202egnp.exe')).toBe('abc gnp.exe');
    expect(sanitizeLine('\r\n\t ')).toBe('');
    expect(sanitizeLine('x'.repeat(128))).toBe('x'.repeat(128));
    const long = sanitizeLine('y'.repeat(500));
    expect(Array.from(long)).toHaveLength(128);
    expect(long.endsWith('…')).toBe(true);
    // Cut by code point, never in the middle of a surrogate pair.
    const emoji = sanitizeLine('🔐'.repeat(200));
    expect(Array.from(emoji)).toHaveLength(128);
    expect(emoji).toBe(`${'🔐'.repeat(127)}…`);
    expect(sanitizeLine('abcdef', 4)).toBe('abc…');
  });

  const at = new Date('2026-11-23T14:05:09Z');
  const all = {
    verifyEmail: templates.verifyEmail({ link: 'https://vault.example.com/verify#abc', expiresMinutes: 60 }),
    registrationAttempt: templates.registrationAttempt(),
    newDeviceLogin: templates.newDeviceLogin({ deviceName: 'Laptop', ip: '203.0.113.7', userAgent: 'ww-cli/0.1', at }),
    passwordChanged: templates.passwordChanged({ at }),
    factorAdded: templates.factorAdded({ kind: 'totp' }),
    factorRemoved: templates.factorRemoved({ kind: 'webauthn', name: 'YubiKey' }),
    recoveryRequested: templates.recoveryRequested({ link: 'https://vault.example.com/recover#tok', token: 'tok', expiresMinutes: 30 }),
    recoveryUsed: templates.recoveryUsed({ at, ip: '2001:db8::1' }),
    vaultReset: templates.vaultReset({ at, ip: '198.51.100.9' }),
    accountDeleted: templates.accountDeleted({ at }),
  };

  it.each(Object.entries(all))('%s: a one-line subject and a Watchword plain-text body', (_, mail) => {
    expect(mail.subject).toMatch(/\S/);
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject.length).toBeLessThanOrEqual(78);
    expect(`${mail.subject}\n${mail.text}`).toContain('Watchword');
    expect(mail.text).not.toMatch(/\r|\bundefined\b|\bnull\b|NaN|\[object/);
    expect(mail.text.endsWith('\n')).toBe(true);
  });

  it('puts links, tokens and details on their own lines', () => {
    const lines = (text: string) => text.split('\n');
    expect(lines(all.verifyEmail.text)).toContain('https://vault.example.com/verify#abc');
    expect(all.verifyEmail.text).toContain('in 60 minutes');
    expect(lines(all.recoveryRequested.text)).toContain('https://vault.example.com/recover#tok');
    expect(lines(all.recoveryRequested.text)).toContain('tok');
    expect(all.recoveryRequested.text).toContain('in 30 minutes');
    expect(lines(all.newDeviceLogin.text)).toEqual(
      expect.arrayContaining(['Device: Laptop', 'Browser or app: ww-cli/0.1', 'IP address: 203.0.113.7', 'Time: 2026-11-23 14:05 UTC']),
    );
    expect(all.passwordChanged.text).toContain('2026-11-23 14:05 UTC');
    expect(lines(all.recoveryUsed.text)).toContain('IP address: 2001:db8::1');
    expect(lines(all.vaultReset.text)).toContain('IP address: 198.51.100.9');
    expect(lines(all.factorRemoved.text)).toContain('Name: YubiKey');
    expect(all.factorAdded.text).not.toContain('Name:');
    expect(templates.factorAdded({ kind: 'backup_codes' }).subject).toContain('Backup codes');
    expect(templates.verifyEmail({ link: 'l', expiresMinutes: 1440 }).text).toContain('in 24 hours');
    expect(templates.verifyEmail({ link: 'l', expiresMinutes: 1 }).text).toContain('in 1 minute ');
  });

  it('sanitises user-controlled values so they cannot forge lines', () => {
    const mail = templates.newDeviceLogin({
      deviceName: 'Phone\r\n\r\nIf this was not you, visit https://evil.example\r\n',
      userAgent: `Mozilla/5.0 ${'A'.repeat(400)}\nX`,
      ip: '203.0.113.7\n',
      at,
    });
    const lines = mail.text.split('\n');
    const device = lines.find((l) => l.startsWith('Device: '));
    expect(device).toBe('Device: Phone If this was not you, visit https://evil.example');
    expect(lines.some((l) => l.startsWith('If this was not you, visit'))).toBe(false);
    const agent = lines.find((l) => l.startsWith('Browser or app: '));
    expect(Array.from(agent!.slice('Browser or app: '.length))).toHaveLength(128);
    expect(lines).toContain('IP address: 203.0.113.7');
    expect(templates.newDeviceLogin({ deviceName: ' \r\n', userAgent: '', ip: '', at }).text).toContain('Device: unknown');
    expect(templates.factorAdded({ kind: 'webauthn', name: 'Key\r\nBcc: x' }).text.split('\n')).toContain('Name: Key Bcc: x');
  });

  it('survives a delivery round trip unchanged', async () => {
    const smtp = await startSmtpCapture();
    const mailer = createMailer({ smtpUrl: smtp.url, from: FROM, outboxDir: '/nonexistent' }, recordingLog());
    try {
      const content = templates.recoveryRequested({ link: `https://vault.example.com/recover#${SECRET_TOKEN}`, token: SECRET_TOKEN, expiresMinutes: 30 });
      await mailer.send({ to: 'erin@example.com', ...content });
      const mail = await smtp.waitFor((m) => m.to.includes('erin@example.com'));
      expect(mail.subject).toBe(content.subject);
      expect(mail.text).toBe(content.text);
      expect(mail.text.split('\n')).toContain(SECRET_TOKEN);
    } finally {
      await mailer.close();
      await smtp.close();
    }
  });
});
