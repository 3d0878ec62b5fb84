/**
 * `ww org` and `ww vault` end to end against a real server process (issue 25): alice creates an organisation and a
 * shared vault, invites bob, bob accepts and reads out his fingerprint phrase, alice compares it and confirms him with
 * the vault; items added with --vault and moved with `ww move` show up labelled in both lists; bob leaves, loses the
 * vault at once, and alice's next command rotates the key (one line says so) before anything new is added.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENEROUS_LIMITS, type ServerProcess, startServerProcess, unseenMailLink } from '@watchword/testkit';
import { type Run, runCli } from './support/run-cli.ts';

const PASSWORD = 'plum-Orbit-quiet-Lantern-93';
const ALICE = 'alice@family.example.com';
const BOB = 'bob@family.example.com';
const CAROL = 'carol@family.example.com';
const EXPORT_RE = /^export WATCHWORD_SESSION=([A-Za-z0-9_-]{43})$/m;

describe('ww org / ww vault against a real server process', () => {
  let server: ServerProcess;
  let dataDir: string;
  const homes = new Map<string, string>();
  const sessions = new Map<string, string>();
  const seenMail = new Set<string>();

  const env = (who: string) => ({
    HOME: homes.get(who) as string,
    WATCHWORD_HOME: homes.get(who) as string,
    WATCHWORD_SERVER: server.url,
    WATCHWORD_KDF_VERSION: '0',
    NODE_COMPILE_CACHE: join(tmpdir(), 'ww-cli-test-compile-cache'),
    ...(sessions.has(who) ? { WATCHWORD_SESSION: sessions.get(who) as string } : {}),
  });
  const as = (who: string, args: string[], stdin?: string): Promise<Run> => runCli(args, env(who), stdin === undefined ? {} : { stdin });
  const ok = (r: Run) => {
    expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(0);
    return r;
  };

  async function verifyLink(to: string): Promise<string> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const link = unseenMailLink(join(dataDir, 'outbox'), to, 'verify-email', seenMail);
      if (link !== undefined) return link;
      if (Date.now() > deadline) throw new Error(`no verification mail to ${to}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function account(who: string): Promise<void> {
    homes.set(who, mkdtempSync(join(tmpdir(), 'ww-org-home-')));
    ok(await as(who, ['register', '--email', who, '--password-stdin'], `${PASSWORD}\n`));
    const login = ok(await as(who, ['login', '--email', who, '--password-stdin'], `${PASSWORD}\n`));
    sessions.set(who, EXPORT_RE.exec(login.stdout)?.[1] ?? '');
    ok(await as(who, ['verify-email', await verifyLink(who)]));
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ww-org-data-'));
    server = await startServerProcess({ DATA_DIR: dataDir, ALLOWED_KDF_VERSIONS: '0,1', ...GENEROUS_LIMITS });
    await account(ALICE);
    await account(BOB);
    await account(CAROL);
  });
  afterAll(async () => {
    await server?.stop();
    for (const dir of [dataDir, ...homes.values()]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('create, invite, accept (fingerprint), confirm only after the phrase is confirmed', async () => {
    ok(await as(ALICE, ['org', 'create', 'Family']));
    ok(await as(ALICE, ['vault', 'create', 'Family', 'Shared']));
    ok(await as(ALICE, ['org', 'invite', 'Family', BOB]));
    expect(ok(await as(BOB, ['org', 'list'])).stdout).toMatch(/Family\s+member\s+invited/);
    const accepted = ok(await as(BOB, ['org', 'accept', 'Family']));
    const phrase = accepted.stdout.trim();
    expect(phrase.split(' ')).toHaveLength(5);
    expect(ok(await as(BOB, ['org', 'fingerprint'])).stdout.trim()).toBe(phrase);

    const members = ok(await as(ALICE, ['org', 'members', 'Family'])).stdout;
    expect(members).toContain(phrase);
    // Answered "no": nothing is sent, bob stays accepted.
    const refused = await as(ALICE, ['org', 'confirm', 'Family', BOB, '--vault', 'Shared:edit'], 'n\n');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(phrase);
    expect(ok(await as(ALICE, ['org', 'members', 'Family'])).stdout).toMatch(new RegExp(`${BOB}\\s+member\\s+accepted`));
    const confirmed = ok(await as(ALICE, ['org', 'confirm', 'Family', BOB, '--vault', 'Shared:edit'], 'y\n'));
    expect(confirmed.stderr).toContain(`Fingerprint phrase of ${BOB}: ${phrase}`);
    expect(ok(await as(BOB, ['vault', 'list'])).stdout).toMatch(/Shared\s+Family\s+edit\s+v1/);
  });

  it('ww add --vault, ww list labelled by vault, ww move --vault', async () => {
    ok(await as(ALICE, ['add', '--name', 'bank', '--username', 'alice', '--password', 'Tr4il!mountain', '--vault', 'Shared']));
    const list = ok(await as(BOB, ['list'])).stdout;
    expect(list).toMatch(/^NAME\s+TYPE\s+USERNAME\s+URL\s+VAULT\s+ID/);
    expect(list).toMatch(/bank\s+login\s+alice\s+Shared/);
    expect(ok(await as(BOB, ['get', 'bank', '--field', 'password'])).stdout.trim()).toBe('Tr4il!mountain');

    ok(await as(BOB, ['add', '--name', 'router', '--password', 'r0uter-pass']));
    expect(ok(await as(BOB, ['list'])).stdout).toMatch(/router\s+login\s+Personal/);
    expect(ok(await as(BOB, ['move', 'router', '--vault', 'Shared'])).stderr).toMatch(/Moved "router" to Shared/);
    const alices = JSON.parse(ok(await as(ALICE, ['list', '--json'])).stdout) as { name: string; vault: string }[];
    expect(alices.find((i) => i.name === 'router')?.vault).toBe('Shared');
    expect((await as(ALICE, ['add', '--name', 'x', '--vault', 'Nowhere'])).code).toBe(3);
  });

  it('bob leaves: refused at once; carol (edit) sees the rotation pending and waits; alice’s next command rotates and says so', async () => {
    ok(await as(ALICE, ['org', 'invite', 'Family', CAROL]));
    ok(await as(CAROL, ['org', 'accept', 'Family']));
    ok(await as(ALICE, ['org', 'confirm', 'Family', CAROL, '--vault', 'Shared:edit'], 'y\n'));
    ok(await as(BOB, ['org', 'leave', 'Family']));
    const pending = ok(await as(CAROL, ['vault', 'list']));
    expect(pending.stdout).toMatch(/Shared\s+Family\s+edit\s+v1, rotation pending\s/);
    expect(pending.stderr).toMatch(/"Shared" owes a key rotation .* a member who manages it rotates it at their next sync\./);
    const waits = await as(CAROL, ['add', '--name', 'too-early', '--vault', 'Shared']);
    expect(waits.code).not.toBe(0);
    expect(waits.stderr).toMatch(/key has not been rotated yet/);
    // A read command, answered from the local copy, makes the rotation too.
    const read = ok(await as(ALICE, ['list']));
    expect(read.stderr.match(/Rotated the key of vault "Shared" to version 2: a member lost access to it\./g)).toHaveLength(1);
    expect(read.stdout).toMatch(/bank\s+login\s+alice\s+Shared/);
    const listed = ok(await as(ALICE, ['vault', 'list']));
    expect(listed.stderr).not.toMatch(/Rotated/);
    expect(listed.stdout).toMatch(/Shared\s+Family\s+manage\s+v2\s/);
    expect(ok(await as(ALICE, ['vault', 'list'])).stderr).not.toMatch(/Rotated/);
    const bobs = ok(await as(BOB, ['list'])).stdout;
    expect(bobs).not.toContain('Shared');
    expect(bobs).not.toContain('bank');
    ok(await as(ALICE, ['add', '--name', 'after', '--vault', 'Shared']));
    expect(ok(await as(ALICE, ['list'])).stdout).toMatch(/after\s+login\s+Shared/);
    expect(ok(await as(CAROL, ['vault', 'list'])).stdout).toMatch(/Shared\s+Family\s+edit\s+v2\s/);
    ok(await as(CAROL, ['add', '--name', 'in-time', '--vault', 'Shared']));
  });
});
