import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { freePort } from '@watchword/testkit';
// @ts-expect-error plain .mjs without types (it must run on any old Node)
import { nodeFlagsFor, serverEnvFor, withCompileCache } from '../../scripts/launch.mjs';

/** Pins a command to one CPU with taskset when the machine has it (server and load generator on different cores). */
export function pinned(cpu: number | undefined, command: string, args: string[]): [string, string[]] {
  if (cpu === undefined || !existsSync('/usr/bin/taskset')) return [command, args];
  return ['/usr/bin/taskset', ['-c', String(cpu), command, ...args]];
}

export interface Server {
  url: string;
  child: ChildProcess;
  /** Milliseconds from spawn to the first 200 from /healthz. */
  coldStartMs: number;
  rssBytes(): number;
  /** CPU time (user + system) the process has used, in milliseconds. */
  cpuMs(): number;
  stop(): Promise<void>;
}

const CLK_TCK = 100;

function procStat(pid: number): { rss: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return { rss: rssKb * 1024, cpuMs: (ticks * 1000) / CLK_TCK };
}

/**
 * Starts a server process (`node …nodeFlags <entry> …args`) pinned to `cpu`, waits for /healthz, measures the cold start.
 * Watchword's server gets the launcher's flags first and its environment (scripts/launch.mjs `nodeFlagsFor`,
 * `serverEnvFor`), as `npm start` runs it; `nodeFlags` come after them and win, as does `env`.
 */
export async function startServer(
  entry: string,
  args: string[],
  env: Record<string, string>,
  cpu: number | undefined,
  nodeFlags: readonly string[] = [],
): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const [cmd, argv] = pinned(cpu, process.execPath, [...nodeFlagsFor(entry, env), ...nodeFlags, entry, ...args]);
  const started = performance.now();
  // Same as `npm start` through scripts/launch.mjs: the module compile cache on.
  const child = spawn(cmd, argv, {
    env: withCompileCache({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), ...serverEnvFor(entry, env), ...env }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not yet
    }
    if (performance.now() - started > 30_000) throw new Error(`server did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const coldStartMs = performance.now() - started;
  // With taskset the child is taskset's exec'd process: same pid.
  const pid = child.pid as number;
  return {
    url,
    child,
    coldStartMs,
    rssBytes: () => procStat(pid).rss,
    cpuMs: () => procStat(pid).cpuMs,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Runs a load against `server` and adds the server's CPU time per request over it (µs): steadier than req/s. */
export async function withCpu<T extends { total: number }>(server: Pick<Server, 'cpuMs'>, run: () => Promise<T>): Promise<T & { cpuUs: number }> {
  const cpu0 = server.cpuMs();
  const result = await run();
  return { ...result, cpuUs: ((server.cpuMs() - cpu0) * 1000) / Math.max(result.total, 1) };
}

/** Runs a worker script (pinned to `cpu`) that prints one JSON line, and returns it parsed. */
export function runWorker<T>(entry: string, input: unknown, cpu: number | undefined): Promise<T> {
  const [cmd, argv] = pinned(cpu, process.execPath, [entry]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${entry} exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as T);
      } catch (error) {
        reject(error);
      }
    });
    child.stdin.end(JSON.stringify(input));
  });
}

/**
 * `wrk` (C, one thread) instead of the autocannon worker, for GET load: a cross-check that the JavaScript load generator
 * is not what limits a figure. Only when wrk is installed (`apt-get install wrk`); the benchmark itself uses autocannon.
 */
export function runWrk(url: string, headers: Record<string, string>, durationSeconds: number, connections: number, cpu: number | undefined): Promise<{ rps: number; total: number; non2xx: number }> {
  const args = ['-t1', `-c${connections}`, `-d${durationSeconds}s`, ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url];
  const [cmd, argv] = pinned(cpu, 'wrk', args);
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, (error, out) => {
      if (error) return reject(new Error(`wrk failed: ${error.message}`));
      const total = Number(/(\d+) requests in/.exec(out)?.[1]);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      if (!Number.isFinite(total) || !Number.isFinite(rps)) return reject(new Error(`unexpected wrk output: ${out}`));
      resolve({ rps, total, non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) });
    });
  });
}
