import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { type Socket, connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_BUNDLE, ensureServerBuild } from '../../../../scripts/ensure-server-build.ts';
import { ensureWebBuild } from '../../../../scripts/ensure-web-build.ts';
import { type TempDir, createTempDir, freePort } from '@watchword/testkit';
import { alive, processTree, until } from './throwaway.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');

/**
 * SIGTERM as a service manager sends it: to `npm start` (the Quick start's command) or to `node scripts/launch.mjs …`
 * (the service command). Every wrapper passes it on, the server finishes the request in flight, closes idle
 * keep-alive connections at once instead of after the keep-alive timeout, and every process of the tree exits —
 * with the server's exit code, and within SHUTDOWN_TIMEOUT even when a request never completes.
 */
describe('shutdown', () => {
  let dir: TempDir;
  let started: { child: ChildProcess; pids: number[]; output: () => string } | undefined;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // What `npm start`'s prestart does, done once here so the timings below measure the shutdown only.
    await ensureWebBuild();
    await ensureServerBuild();
    dir = await createTempDir();
  }, 120_000);

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
    // Never leave a server behind, whatever the test found.
    for (const pid of started?.pids ?? []) {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    started = undefined;
  });

  afterAll(async () => dir?.remove());

  /** Starts `command` in the repository and waits for /healthz; records the process tree it made. */
  async function start(command: string, args: string[], env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
    const port = await freePort();
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir.path, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
    started = { child, pids: [child.pid as number], output: () => output };
    const url = `http://127.0.0.1:${port}`;
    await until(
      'the server to answer',
      async () => {
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${output}`);
        return fetch(`${url}/healthz`).then((r) => r.ok, () => false);
      },
      60_000,
    );
    started.pids = processTree(child.pid as number);
    // npm (or the launcher), the server, and whatever sits between.
    expect(started.pids.length).toBeGreaterThanOrEqual(2);
    return { url, child };
  }

  /** A keep-alive connection that has answered one request and now sits idle. */
  async function idleKeepAlive(url: string): Promise<{ closed: Promise<void> }> {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const socket = await new Promise<Socket>((resolve, reject) => {
      const req = request(`${url}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(req.socket as Socket));
      });
      req.on('error', reject);
      req.end();
    });
    sockets.push(socket);
    return { closed: new Promise((resolve) => socket.once('close', () => resolve())) };
  }

  /** A request whose body is still on its way: in flight until `finish()` sends the rest. */
  async function inFlight(url: string): Promise<{ finish(): void; answer: Promise<string>; closed: Promise<void> }> {
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    sockets.push(socket);
    await new Promise((resolve) => socket.once('connect', resolve));
    const body = JSON.stringify({ email: 'x@example.com', startLoginRequest: 'A'.repeat(64) });
    socket.write(`POST /api/v1/auth/login/start HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // In flight once the server has taken it up (it logs the request as soon as its headers are parsed).
    const logged = () => (started?.output().match(/"url":"\/api\/v1\/auth\/login\/start"/g) ?? []).length;
    const before = logged();
    await until('the server to take the request up', () => logged() > before, 10_000);
    return { finish: () => socket.write(body.slice(10)), answer: closed.then(() => received), closed };
  }

  /** `promise`, or a failure naming `what` after `ms` (a missed signal must fail the test, not hang it). */
  const within = <T>(ms: number, what: string, promise: Promise<T>): Promise<T> =>
    Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);

  const exited = (child: ChildProcess) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      // 'close': exited, and its output has all arrived.
      if ((child.exitCode !== null || child.signalCode !== null) && child.stdout?.closed !== false) resolve({ code: child.exitCode, signal: child.signalCode });
      else child.once('close', (code, signal) => resolve({ code, signal }));
    });

  it('SIGTERM to `npm start`: idle keep-alive clients are let go at once, the request in flight completes, every process exits 0', async () => {
    const { url, child } = await start('npm', ['start', '--silent'], {});
    const idle = await idleKeepAlive(url);
    const busy = await inFlight(url);
    const t0 = Date.now();
    child.kill('SIGTERM');
    // The idle connection closes long before the 72 s keep-alive timeout.
    await within(5000, 'the idle keep-alive connection closed', idle.closed);
    busy.finish();
    // Answered, and then its connection closed too (it was kept alive, and is idle now).
    expect(await within(5000, 'the request in flight answered', busy.answer)).toMatch(/^HTTP\/1\.1 \d{3} /);
    const { code, signal } = await within(5000, 'npm exited', exited(child));
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    await until('every process of the tree to exit', () => started?.pids.every((pid) => !alive(pid)) ?? true, 10_000);
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(started?.output()).toContain('"shutting down"');
  }, 90_000);

  it('SIGTERM to the launcher: a request that never completes is cut after SHUTDOWN_TIMEOUT, and the exit code is the server’s', async () => {
    const { url, child } = await start(process.execPath, [join(ROOT, 'scripts', 'launch.mjs'), SERVER_BUNDLE, 'serve'], { SHUTDOWN_TIMEOUT: '1' });
    const stuck = await inFlight(url);
    const t0 = Date.now();
    child.kill('SIGTERM');
    const { code, signal } = await within(5000, 'the launcher exited', exited(child));
    // 1: the shutdown had to cut a connection (0 is a clean drain).
    expect({ code, signal }).toEqual({ code: 1, signal: null });
    await stuck.closed;
    await until('every process of the tree to exit', () => started?.pids.every((pid) => !alive(pid)) ?? true, 10_000);
    expect(Date.now() - t0).toBeLessThan(6000);
    expect(started?.output()).toContain('shutdown timed out');
  }, 90_000);
});
