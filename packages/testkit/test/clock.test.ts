import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient, WatchwordError } from '@watchword/client';
import { createTestApp, type TestApp } from '../src/in-process.ts';

/**
 * The test app's clocks. The server judges a DPoP proof's wall-clock `iat` by the app's clock, so a frozen clock
 * refuses proofs once wall time has run a few seconds past it; the running clock follows wall time.
 */
describe('createTestApp clocks', () => {
  const apps: TestApp[] = [];
  const password = 'a long enough test passphrase';
  const client = (t: TestApp) => new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0 });
  let frozen: TestApp;
  let running: TestApp;

  beforeAll(async () => {
    frozen = await createTestApp('sqlite');
    running = await createTestApp('sqlite', {}, { clock: 'running' });
    apps.push(frozen, running);
  });
  afterAll(async () => Promise.all(apps.map((t) => t.close())));

  it('frozen: time moves only by advance, and a DPoP proof ahead of it is refused', async () => {
    const before = frozen.clock.now;
    await new Promise((r) => setTimeout(r, 20));
    expect(frozen.clock.now).toBe(before);
    await client(frozen).register({ email: 'frozen@example.com', password });
    const vault = await client(frozen).login({ email: 'frozen@example.com', password });
    frozen.clock.advance(-10_000); // as if 10 s of wall time had passed since the app was made
    const error = await vault.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WatchwordError);
    expect((error as WatchwordError).code).toBe('INVALID_DPOP_PROOF');
  });

  it('running: wall time plus what advance added', async () => {
    const before = running.clock.now;
    await new Promise((r) => setTimeout(r, 20));
    expect(running.clock.now).toBeGreaterThanOrEqual(before + 20);
    // Ahead by less than a proof's lifetime (60 s), DPoP-bound requests keep working.
    running.clock.advance(11_000);
    expect(running.clock.now - Date.now()).toBeGreaterThanOrEqual(10_900);
    await client(running).register({ email: 'running@example.com', password });
    const vault = await client(running).login({ email: 'running@example.com', password });
    expect(await vault.list()).toEqual([]);
  });
});
