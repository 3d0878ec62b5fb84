/**
 * Security spec "Enumeration" for organisation invitations (issue 25): inviting an address that has an account and
 * one that has none answer alike, in body and in timing. As in test/http/timing-enumeration.test.ts: the two kinds
 * are asked in alternation over a real socket and their times compared by AUC (0.5 when timing says nothing).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendsUnderTest, createTestApp, sampleUser, sampleVault, type TestApp } from '@watchword/testkit/app';
import { call, person, type Person } from './support.ts';

const SAMPLES = 120;
const AUC_BOUND = 0.15;
const TIMEOUT = 300_000;

/** P(known > unknown) + ½ P(tie), by ranks (Mann–Whitney U / n₁n₂). */
function auc(known: number[], unknown: number[]): number {
  const all = [...known.map((v) => ({ v, k: true })), ...unknown.map((v) => ({ v, k: false }))].sort((a, b) => a.v - b.v);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.v === all[i]!.v) j++;
    const midRank = (i + 1 + j) / 2;
    for (let m = i; m < j; m++) if (all[m]!.k) rankSum += midRank;
    i = j;
  }
  return (rankSum - (known.length * (known.length + 1)) / 2) / (known.length * unknown.length);
}

describe.each(backendsUnderTest())('an invitation does not tell whether an account exists ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let agent: Agent;
  let port: number;
  let owner: Person;
  const orgId = randomUUID();
  const existing: string[] = [];

  beforeAll(async () => {
    t = await createTestApp(dialect, { ORG_MAX_MEMBERS: '10000', ORG_INVITES_PER_HOUR: '10000' }, { state, clock: 'running' });
    owner = await person(t, 'owner@timing.example.com');
    expect((await call(t, owner, 'POST', '/api/v1/orgs', { id: orgId, name: 'Timing' })).status).toBe(201);
    // Accounts to invite (one per known sample: a second invitation to an address answers early, whoever holds it).
    for (let i = 0; i < SAMPLES + 10; i++) {
      const user = sampleUser();
      expect(await t.storage.users.create(user, sampleVault(), t.clock.now)).toBe('created');
      existing.push(user.email);
    }
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
  }, 120_000);
  afterAll(async () => {
    agent?.destroy();
    await t?.close();
  });

  const invite = async (email: string): Promise<{ status: number; body: string; ms: number }> => {
    const token = await owner.token();
    return new Promise((resolve, reject) => {
      const payload = JSON.stringify({ email, role: 'member' });
      const started = performance.now();
      const req = httpRequest(
        { host: '127.0.0.1', port, path: `/api/v1/orgs/${orgId}/invitations`, method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  };

  it('same answer and AUC within 0.5 ± 0.15', async () => {
    const known: number[] = [];
    const unknown: number[] = [];
    const bodies = new Set<string>();
    let next = 0;
    const sample = async (k: boolean) => {
      const answer = await invite(k ? existing[next++]! : `nobody-${randomUUID()}@example.com`);
      expect(answer.status).toBe(202);
      bodies.add(answer.body);
      return answer.ms;
    };
    for (let i = 0; i < 10; i++) await sample(i % 2 === 0);
    for (let i = 0; i < SAMPLES; i++) {
      const order = randomBytes(1)[0]! & 1 ? [true, false] : [false, true];
      for (const k of order) (k ? known : unknown).push(await sample(k));
    }
    expect([...bodies]).toEqual(['{"ok":true}']);
    const a = auc(known, unknown);
    console.log(`organisation invitation (${dialect} + ${state}): AUC ${a.toFixed(3)}`);
    expect(Math.abs(a - 0.5), `AUC ${a.toFixed(3)}`).toBeLessThan(AUC_BOUND);
  }, TIMEOUT);
});
