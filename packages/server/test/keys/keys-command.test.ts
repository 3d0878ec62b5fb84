import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signingKeyDir } from '../../src/keys/signing-keys.ts';
import { createTempDir, type TempDir } from '@watchword/testkit';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');

/** `ww-server keys …` as a real process, with nothing in its environment but what the test gives it. */
function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['packages/server/src/main.ts', 'keys', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const KID = '[A-Za-z0-9_-]{43}';

describe('ww-server keys (real process)', () => {
  let tmp: TempDir;
  let env: Record<string, string>;
  const files = () => readdirSync(signingKeyDir(tmp.path)).sort();

  beforeAll(async () => {
    tmp = await createTempDir('ww-keys-cli-');
    env = { DATA_DIR: tmp.path };
  });
  afterAll(async () => tmp.remove());

  it('list on an empty data directory says so and creates nothing', async () => {
    const r = await run(['list'], env);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^no signing keys in .*keys\/jwt/);
  });

  it('rotate creates the first key, active at once', async () => {
    const r = await run(['rotate'], env);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(new RegExp(`^created signing key ${KID} \\(RS256\\), active now\\n$`));
    expect(files()).toHaveLength(1);
  });

  it('rotate --alg ES256 publishes a key that signs after KEY_ACTIVATION_DELAY', async () => {
    const r = await run(['rotate', '--alg', 'ES256'], { ...env, KEY_ACTIVATION_DELAY: '900' });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(new RegExp(`^created signing key ${KID} \\(ES256\\): in JWKS now, signs from \\S+Z; ${KID} \\(RS256\\) then retires and verifies until \\S+Z\\n$`));
    expect(files()).toHaveLength(2);
  });

  it('list shows one row per key with its state', async () => {
    const r = await run(['list'], env);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KID\s+ALG\s+STATE\s+CREATED\s+ACTIVATES\s+RETIRED\s+EXPIRES$/);
    expect(lines[1]).toMatch(new RegExp(`^${KID}\\s+RS256\\s+active\\s+\\S+Z\\s+\\S+Z\\s+\\S+Z\\s+\\S+Z$`));
    expect(lines[2]).toMatch(new RegExp(`^${KID}\\s+ES256\\s+published\\s+\\S+Z\\s+\\S+Z\\s+-\\s+-$`));
    expect(lines).toHaveLength(3);
  });

  it('rotate --activate-now switches at once; prune finds nothing expired yet', async () => {
    const r = await run(['rotate', '--alg=EdDSA', '--activate-now'], env);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/\(EdDSA\): in JWKS now, signs from now/);
    const list = await run([], env);
    expect(list.stdout).toMatch(/EdDSA\s+active/);
    expect(list.stdout).toMatch(/note: ACCESS_TOKEN_ALG is RS256 but the active key is EdDSA/);
    const prune = await run(['prune'], env);
    expect(prune).toMatchObject({ code: 0, stdout: 'no expired signing keys\n', stderr: '' });
    expect(files()).toHaveLength(3);
  });

  it.each([
    [['rotate', '--bogus'], /^ww-server: keys rotate: unknown option "--bogus" \(usage: ww-server keys rotate \[--alg RS256\|ES256\|EdDSA\] \[--activate-now\]\)\n$/],
    [['rotate', '--alg', 'HS256'], /^ww-server: keys rotate: --alg must be one of RS256, ES256, EdDSA, got "HS256"\n$/],
    [['rotate', '--alg'], /^ww-server: keys rotate: --alg must be one of RS256, ES256, EdDSA\n$/],
    [['frobnicate'], /^ww-server: keys: unknown command "frobnicate" \(use list, rotate or prune\)\n$/],
    [['prune', '--force'], /^ww-server: keys prune: unexpected argument "--force"\n$/],
  ])('%j → exit 1, one line on stderr, nothing written', async (args, message) => {
    const before = files();
    const r = await run(args, env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(files()).toEqual(before);
  });

  it('a bad setting → exit 2 with the configuration error', async () => {
    const r = await run(['rotate'], { ...env, ACCESS_TOKEN_ALG: 'HS256' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('ww-server: invalid configuration: ACCESS_TOKEN_ALG must be one of RS256, ES256, EdDSA, got "HS256"\n');
  });
});
