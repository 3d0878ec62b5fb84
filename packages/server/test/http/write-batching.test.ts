/**
 * Answers are written together at the end of the event-loop turn that produced them (http/write-batching.ts): held
 * until the turn's check phase, never longer, and none is lost or mixed up with another.
 */
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/types.ts';
import { registerWriteBatching } from '../../src/http/write-batching.ts';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

describe('responses written at the end of the event-loop turn', () => {
  let t: TestApp | undefined;
  afterEach(async () => t?.close());

  /** A bare app with the batching hook and a route that notes, in `events`, when its turn's check phase starts. */
  async function probeApp(events: string[]) {
    const app = Fastify();
    registerWriteBatching(app as unknown as App);
    app.get('/probe/:n', async (request) => {
      const { n } = request.params as { n: string };
      // Scheduled before the answer exists, so it runs before a flush the answer schedules in the same turn.
      setImmediate(() => events.push(`check phase ${n}`));
      return { n };
    });
    app.addHook('onResponse', (request, _reply, done) => {
      events.push(`answered ${(request.params as { n: string }).n}`);
      done();
    });
    await app.ready();
    return app;
  }

  it('holds an answer that is ready at once until the check phase of its turn, then sends it', async () => {
    const events: string[] = [];
    const app = await probeApp(events);
    const response = await app.inject({ url: '/probe/1' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ n: '1' });
    // Written at once (no batching), the answer would finish before the check phase.
    expect(events).toEqual(['check phase 1', 'answered 1']);
    await app.close();
  });

  it('sends every answer of a turn, each with its own body', async () => {
    const events: string[] = [];
    const app = await probeApp(events);
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => app.inject({ url: `/probe/${i}` })));
    expect(responses.map((r) => r.json())).toEqual(Array.from({ length: 20 }, (_, i) => ({ n: String(i) })));
    expect(events.filter((e) => e.startsWith('answered')).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `answered ${i}`).sort());
    await app.close();
  });

  it('applies to the whole API: answers, errors and 404s of one turn all arrive intact, after the turn', async () => {
    t = await createTestApp('sqlite');
    const app = t.app;
    const order: string[] = [];
    setImmediate(() => order.push('check phase'));
    await app.inject({ url: '/healthz' }).then(() => order.push('answered'));
    expect(order).toEqual(['check phase', 'answered']);
    const requests = [
      ...Array.from({ length: 10 }, () => app.inject({ url: '/healthz' })),
      ...Array.from({ length: 10 }, () => app.inject({ url: '/api/v1/items' })),
      ...Array.from({ length: 10 }, () => app.inject({ url: '/no/such/route' })),
    ];
    const statuses = (await Promise.all(requests)).map((r) => [r.statusCode, r.headers['content-type']?.toString().split(';')[0]]);
    expect(statuses).toEqual([
      ...Array.from({ length: 10 }, () => [200, 'application/json']),
      ...Array.from({ length: 10 }, () => [401, 'application/json']),
      ...Array.from({ length: 10 }, () => [404, 'application/json']),
    ]);
  });
});
