import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WatchwordClient } from '@watchword/client';
import { type ServerProcess, startServerProcess } from '@watchword/testkit';
import { SERVER_BUNDLE, ensureServerBuild } from '../ensure-server-build.ts';

/**
 * The bundle `npm start` runs (scripts/ensure-server-build.ts). Its flows are exercised by the web-vault suites and
 * the cluster test; this checks what only the bundle promises: Node's fetch implementation (undici, ~16 MB) is never
 * loaded — not through an ESM import of node:http (ours, nodemailer's), nor through the OPAQUE WASM loader's
 * `typeof Request` probe.
 */
describe('server bundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ww-bundle-'));
  const preload = join(dir, 'report.cjs');
  writeFileSync(preload, "process.on('SIGUSR2', () => process.stderr.write(`undici loaded: ${process.moduleLoadList.some((m) => m.includes('undici'))}\\n`));\n");
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the report can tell: touching the Request global loads undici', () => {
    const r = spawnSync(process.execPath, ['--require', preload, '-e', "typeof Request; process.emit('SIGUSR2')"], { encoding: 'utf8' });
    expect(r.stderr).toContain('undici loaded: true');
  });

  it('registers, logs in and keeps an item without ever loading undici', async () => {
    await ensureServerBuild();
    server = await startServerProcess(
      { DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', ALLOWED_KDF_VERSIONS: '0,1', NODE_OPTIONS: `--require ${preload}` },
      SERVER_BUNDLE,
    );
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    // A registration and a login: the server's side of OPAQUE, tokens, an item written and read back.
    const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: (server as ServerProcess).url, kdfVersion: 0 });
    await client().register({ email: 'bundle@example.com', password: 'bundle test passphrase' });
    const vault = await client().login({ email: 'bundle@example.com', password: 'bundle test passphrase' });
    const item = await vault.add({ type: 'note', name: 'from the bundle', fields: [] });
    expect((await vault.get(item.id)).content.name).toBe('from the bundle');
    // The verification mail went out (to the outbox, through nodemailer's composer).
    const outbox = join(dir, 'data', 'outbox');
    await expect.poll(() => existsSync(outbox) && readdirSync(outbox).some((name) => name.endsWith('.eml'))).toBe(true);
    server.child.kill('SIGUSR2');
    await expect.poll(() => server?.output() ?? '').toContain('undici loaded:');
    expect(server.output()).toContain('undici loaded: false');
  });
});
