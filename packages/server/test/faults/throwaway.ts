/**
 * Backing services the fault tests may kill, freeze, restart and fill: their own, made for the test and removed
 * afterwards — never the shared PostgreSQL on 5432 or Redis on 6379 the other suites use.
 *
 * - PostgreSQL: a cluster made with initdb in a temporary directory and run by pg_ctl as the `postgres` user
 *   (PostgreSQL refuses to run as root) on a free port.
 * - Redis: `redis-server` on a free port with persistence off, so a restart comes back empty.
 * - A full disk: a small tmpfs mounted for the test (needs root).
 *
 * Each needs something of the machine (root, the PostgreSQL and Redis binaries). `faultSupport()` says what is
 * missing; locally the suites are then skipped with that reason, on CI it is an error (CI must never silently skip).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@watchword/testkit';

const run = promisify(execFile);

const PG_ROOT = '/usr/lib/postgresql';

function pgBin(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(PG_ROOT, version, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  return undefined;
}

const isRoot = () => process.getuid?.() === 0;
const onCi = () => process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

/** Why a kind of fault cannot be staged on this machine (undefined: it can); throws on CI instead. */
export function faultSupport(kind: 'postgres' | 'redis' | 'disk'): string | undefined {
  let missing: string | undefined;
  if (kind === 'postgres') missing = !isRoot() ? 'root (to run initdb and pg_ctl as the postgres user)' : pgBin() === undefined ? `PostgreSQL's initdb and pg_ctl under ${PG_ROOT}/*/bin` : undefined;
  if (kind === 'redis') missing = existsSync('/usr/bin/redis-server') && existsSync('/usr/bin/redis-cli') ? undefined : '/usr/bin/redis-server and redis-cli';
  if (kind === 'disk') missing = isRoot() ? undefined : 'root (to mount a small tmpfs)';
  if (missing !== undefined && onCi()) throw new Error(`the ${kind} fault tests need ${missing}; CI must run them`);
  return missing;
}

/** Polls `check` every 50 ms until it holds; throws with `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether a process exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The processes whose parent is `pid` (from /proc). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/PID/stat is the parent; the command name (field 2) may hold spaces, so split after its ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/** `pid` and every process below it. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...childPids(all[i] as number));
  return all;
}

export interface ThrowawayPostgres {
  readonly url: string;
  /** SIGKILL to the postmaster (its backends then end on their own), as a crash or an OOM kill would. */
  kill(): Promise<void>;
  /** SIGSTOP to the postmaster and every backend: connections stay open, nothing answers. */
  freeze(): void;
  thaw(): void;
  /** Starts the cluster (again); after a kill it recovers from its WAL first. */
  start(): Promise<void>;
  remove(): Promise<void>;
}

/** A PostgreSQL cluster of its own (initdb) on a free port, run as the postgres user, fsync off (throwaway data). */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = pgBin();
  if (bin === undefined) throw new Error('PostgreSQL binaries not found');
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  const dir = await mkdtemp(join(tmpdir(), 'ww-fault-pg-'));
  await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  const data = join(dir, 'data');
  const asPostgres = (command: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args], { timeout: 60_000 });
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const pgCtlStart = () => asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  const postmaster = () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let backends: number[] = [];
  await pgCtlStart();
  const cluster: ThrowawayPostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async kill() {
      const pid = postmaster();
      backends = childPids(pid);
      process.kill(pid, 'SIGKILL');
      // The backends notice their postmaster is gone and end; a new postmaster cannot start while they hold its shared memory.
      await until('the backends of the killed postmaster to end', () => !alive(pid) && backends.every((b) => !alive(b)));
    },
    freeze() {
      const pid = postmaster();
      backends = childPids(pid);
      for (const p of [pid, ...backends]) process.kill(p, 'SIGSTOP');
    },
    thaw() {
      const pid = postmaster();
      for (const p of [pid, ...backends, ...childPids(pid)]) {
        try {
          process.kill(p, 'SIGCONT');
        } catch {
          // ended meanwhile
        }
      }
    },
    async start() {
      await pgCtlStart();
    },
    async remove() {
      try {
        cluster.thaw();
      } catch {
        // not running
      }
      await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

export interface ThrowawayRedis {
  readonly url: string;
  /** Stops Redis (SIGKILL: nothing is saved) and starts it again on the same port, empty. */
  restartEmpty(): Promise<void>;
  stop(): Promise<void>;
}

/** `redis-server` on a free port with persistence off (`--save ''`, no AOF): what a restart leaves is nothing. */
export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'ww-fault-redis-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    const started = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    child = started;
    await until('redis-server to accept connections', async () => {
      if (started.exitCode !== null) throw new Error(`redis-server exited with ${started.exitCode}`);
      return run('redis-cli', ['-p', String(port), 'ping']).then((r) => r.stdout.trim() === 'PONG', () => false);
    });
  };
  const stop = async () => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    async restartEmpty() {
      await stop();
      await start();
    },
    async stop() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface SmallDisk {
  readonly path: string;
  /** Writes a file until the file system has no space left. */
  fill(): Promise<void>;
  /** Deletes that file. */
  free(): Promise<void>;
  remove(): Promise<void>;
}

/** A tmpfs of `sizeMiB` mounted on a fresh directory (root only); `remove()` unmounts and deletes it. */
export async function mountSmallDisk(sizeMiB: number): Promise<SmallDisk> {
  const path = await mkdtemp(join(tmpdir(), 'ww-fault-disk-'));
  await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0700`, 'tmpfs', path]);
  const filler = join(path, 'filler');
  await mkdir(join(path, 'data'), { mode: 0o700 });
  return {
    path: join(path, 'data'),
    async fill() {
      // dd stops at ENOSPC (and exits non-zero, which is the point).
      await run('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k']).catch(() => undefined);
    },
    async free() {
      await rm(filler, { force: true });
    },
    async remove() {
      await run('umount', [path]).catch(() => run('umount', ['-l', path]));
      await rm(path, { recursive: true, force: true });
    },
  };
}
