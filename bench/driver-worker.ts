// Protocol-level load (login, refresh, login-start timing), pinned to its own core. Job on stdin, one JSON line out.
import { ensureOpaqueReady, opaqueClient } from '@watchword/protocol';

interface Job {
  url: string;
  scenario: 'login' | 'refresh' | 'enumeration';
  durationMs: number;
  concurrency: number;
  kdfVersion: number;
  accounts?: { email: string; password: string }[];
  refreshTokens?: string[];
  knownEmail?: string;
  samples?: number;
}

const job = JSON.parse(await new Response(process.stdin as unknown as ReadableStream).text()) as Job;
await ensureOpaqueReady();

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${job.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function timed(loop: (i: number) => Promise<boolean>): Promise<{ ops: number; failures: number; latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let failures = 0;
  const start = performance.now();
  const deadline = start + job.durationMs;
  await Promise.all(
    Array.from({ length: job.concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = performance.now();
        if (await loop(worker)) latencies.push(performance.now() - t0);
        else failures++;
      }
    }),
  );
  return { ops: latencies.length, failures, latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - start) / 1000 };
}

if (job.scenario === 'login') {
  const accounts = job.accounts ?? [];
  const r = await timed(async (worker) => {
    const account = accounts[worker % accounts.length] as { email: string; password: string };
    const { clientLoginState, startLoginRequest } = opaqueClient.startLogin(account.password);
    const start = await post('/api/v1/auth/login/start', { email: account.email, startLoginRequest });
    if (start.status !== 200) return false;
    const { finishLoginRequest } = opaqueClient.finishLogin({
      clientLoginState,
      loginResponse: start.json.loginResponse as string,
      password: account.password,
      kdfVersion: job.kdfVersion,
    });
    const finish = await post('/api/v1/auth/login/finish', { loginId: start.json.loginId, finishLoginRequest });
    return finish.status === 200;
  });
  process.stdout.write(`${JSON.stringify({ rps: r.ops / r.seconds, p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99), total: r.ops, failures: r.failures })}\n`);
} else if (job.scenario === 'refresh') {
  const tokens = [...(job.refreshTokens ?? [])];
  const r = await timed(async (worker) => {
    const res = await post('/api/v1/auth/refresh', { refreshToken: tokens[worker] });
    if (res.status !== 200) return false;
    tokens[worker] = res.json.refreshToken as string;
    return true;
  });
  process.stdout.write(`${JSON.stringify({ rps: r.ops / r.seconds, p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99), total: r.ops, failures: r.failures })}\n`);
} else {
  // Login start for a known and an unknown address, interleaved, one at a time: the enumeration timing gap.
  const known: number[] = [];
  const unknown: number[] = [];
  let failures = 0;
  const samples = job.samples ?? 1000;
  for (let i = 0; i < samples * 2; i++) {
    const isKnown = i % 2 === 0;
    const email = isKnown ? (job.knownEmail as string) : `nobody-${i}@example.com`;
    const { startLoginRequest } = opaqueClient.startLogin('not the password');
    const t0 = performance.now();
    const res = await post('/api/v1/auth/login/start', { email, startLoginRequest });
    const dt = performance.now() - t0;
    if (res.status === 200) (isKnown ? known : unknown).push(dt);
    else failures++;
  }
  known.sort((a, b) => a - b);
  unknown.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      known: { p50: percentile(known, 50), p99: percentile(known, 99), n: known.length },
      unknown: { p50: percentile(unknown, 50), p99: percentile(unknown, 99), n: unknown.length },
      medianDiffMs: percentile(unknown, 50) - percentile(known, 50),
      p99DiffMs: percentile(unknown, 99) - percentile(known, 99),
      failures,
    })}\n`,
  );
}
