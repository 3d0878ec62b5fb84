import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { type SecureVersion, connect, createServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOpaqueReady, opaqueServer } from '@watchword/protocol';
import { createTempDir, freePort, type TempDir } from '@watchword/testkit';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');
const run = (env: Record<string, string>) =>
  spawnSync(process.execPath, [MAIN, 'serve'], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 });

// node:crypto cannot issue X.509 certificates; the openssl command line can. Without it, say so and skip.
const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
const hasOpenssl = openssl.status === 0;
if (!hasOpenssl) console.warn('tls.test.ts skipped: `openssl` is not on PATH (needed to make a self-signed certificate)');

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

describe.skipIf(!hasOpenssl)('native TLS (TLS_CERT / TLS_KEY)', () => {
  let dir: TempDir;
  let cert: string;
  let key: string;
  let ca: Buffer;
  let port: number;
  let child: ChildProcess;
  let output = '';

  const get = (path: string, host = `localhost:${port}`) =>
    new Promise<Response>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, servername: 'localhost', ca, headers: { host } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });

  /** Resolves with the negotiated protocol, or rejects when the handshake fails. */
  const handshake = (target: number, version: SecureVersion) =>
    new Promise<string | null>((resolve, reject) => {
      // SECLEVEL=0 lets this client offer TLS 1.1 at all (OpenSSL 3 refuses it by default, on either side).
      const socket = connect({ host: '127.0.0.1', port: target, servername: 'localhost', ca, minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' }, () => {
        const negotiated = socket.getProtocol();
        socket.end();
        resolve(negotiated);
      });
      socket.on('error', reject);
    });

  beforeAll(async () => {
    dir = await createTempDir();
    cert = join(dir.path, 'cert.pem');
    key = join(dir.path, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    ca = readFileSync(cert);
    port = await freePort();
    await ensureOpaqueReady();
    // Production mode with native TLS and no proxy: every request is HTTPS, so nothing is redirected.
    child = spawn(process.execPath, [MAIN, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_URL: `https://localhost:${port}`,
        DATA_DIR: dir.path,
        TLS_CERT: cert,
        TLS_KEY: key,
        SERVER_SECRET: randomBytes(32).toString('base64url'),
        OPAQUE_SERVER_SETUP: opaqueServer.createServerSetup(),
        // Nothing is mailed in this test; production only needs a relay configured.
        SMTP_URL: 'smtp://127.0.0.1:2525',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output}`);
      try {
        if ((await get('/healthz')).status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`server did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await dir?.remove();
  });

  it('serves HTTPS with HSTS (RFC 6797 §7.1) and the security headers, without redirecting', async () => {
    for (const path of ['/healthz', '/api/openapi.json']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
    expect(output).toMatch(/"tls":true/);
  });

  it('checks the Host header in production', async () => {
    expect((await get('/api/openapi.json', 'evil.example')).status).toBe(400);
  });

  it('refuses TLS 1.1 and accepts TLS 1.2 and 1.3', async () => {
    // Control: the same client does complete a TLS 1.1 handshake with a server that allows it, so the refusal
    // below is the Watchword server's doing, not the client's.
    const permissive = createServer({ cert: ca, key: readFileSync(key), minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, (s) => s.end());
    await new Promise<void>((r) => permissive.listen(0, '127.0.0.1', r));
    const address = permissive.address();
    try {
      expect(await handshake(typeof address === 'object' && address ? address.port : 0, 'TLSv1.1')).toBe('TLSv1.1');
    } finally {
      permissive.close();
    }
    await expect(handshake(port, 'TLSv1.1')).rejects.toThrow(/protocol|version|alert/i);
    await expect(handshake(port, 'TLSv1')).rejects.toThrow(/protocol|version|alert/i);
    expect(await handshake(port, 'TLSv1.2')).toBe('TLSv1.2');
    expect(await handshake(port, 'TLSv1.3')).toBe('TLSv1.3');
  });

  it('TLS_CERT without TLS_KEY, an unreadable file, or a key that is not the certificate\'s: one line, non-zero exit', async () => {
    const base = { DATA_DIR: dir.path, PORT: '0' };
    let r = run({ ...base, TLS_CERT: cert });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('ww-server: invalid configuration: TLS_CERT and TLS_KEY must be set together (file paths) or not at all\n');

    r = run({ ...base, TLS_CERT: join(dir.path, 'missing.pem'), TLS_KEY: key });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^ww-server: cannot start: TLS_CERT .*missing\.pem cannot be read \(ENOENT\)\n$/);

    const otherKey = join(dir.path, 'other-key.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', otherKey], { stdio: 'ignore' });
    r = run({ ...base, TLS_CERT: cert, TLS_KEY: otherKey });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^ww-server: cannot start: TLS_CERT and TLS_KEY are not a usable certificate and key/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
