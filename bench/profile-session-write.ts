// A login's writes on the embedded database, in isolation (docs/performance.md "How to profile"; not part of npm run
// bench): opens a fresh SQLite storage, then runs `sessions.create` (the session, its first refresh token, the last
// login time and the audit event, as one transaction with a durable commit) N times (default 3000) and prints the
// process's CPU time per call, user and system apart. Pin it like the server: `taskset -c 0 node bench/profile-session-write.ts`.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '../packages/server/src/storage/index.ts';
import { sampleUser, sampleVault } from '@watchword/testkit/app';

const N = Number(process.env.N ?? 3000);
const dir = mkdtempSync(join(tmpdir(), 'ww-session-write-'));
const storage = await openStorage({ dataDir: dir });
try {
  await storage.migrateToLatest();
  const user = sampleUser();
  await storage.users.create(user, sampleVault(), 1);
  const login = (at: number) =>
    storage.sessions.create(
      { id: randomUUID(), userId: user.id, refreshHash: `h-${randomUUID()}`, deviceName: 'Laptop', ip: '203.0.113.7', userAgent: 'ua/1', createdAt: at, expiresAt: at + 3_600_000, dpopJkt: null, secondFactor: null },
      { id: randomUUID(), at, actorId: user.id, action: 'auth.login', targetId: user.id, ip: '203.0.113.7', userAgent: 'ua/1', outcome: 'success', requestId: randomUUID(), context: { device: 'Laptop', dpop: false, secondFactor: null } },
    );
  // Warm-up: JIT, statement cache, the first WAL checkpoints.
  for (let i = 0; i < 300; i++) await login(i);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await login(1000 + i);
  const cpu = process.cpuUsage(cpu0);
  const wallUs = ((performance.now() - t0) * 1000) / N;
  console.log(`sessions.create on SQLite: ${((cpu.user + cpu.system) / N).toFixed(1)} µs CPU per login (user ${(cpu.user / N).toFixed(1)}, system ${(cpu.system / N).toFixed(1)}), ${wallUs.toFixed(1)} µs wall`);
} finally {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
