/** The per-request logger: a pino child with the request id, made only when a line is actually written. */
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazyChildLoggerFactory } from '../../src/http/request-logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, stream };
}

describe('lazy request logger', () => {
  it('writes enabled levels with the request id bound, drops disabled ones, and makes one child at most', async () => {
    const { lines, stream } = capture();
    const app = Fastify({ logger: { level: 'warn', stream }, childLoggerFactory: lazyChildLoggerFactory, genReqId: () => 'req-1' });
    let children = 0;
    const child = app.log.child.bind(app.log);
    app.log.child = ((...args: Parameters<typeof child>) => {
      children++;
      return child(...args);
    }) as typeof app.log.child;
    app.get('/quiet', async (request) => {
      request.log.info({ detail: 1 }, 'below the level');
      request.log.debug('below the level too');
      return { ok: true };
    });
    app.get('/loud', async (request) => {
      expect((request.log as unknown as { isLevelEnabled(level: string): boolean }).isLevelEnabled('info')).toBe(false);
      request.log.warn({ detail: 2 }, 'first');
      request.log.error('second');
      return { ok: true };
    });
    try {
      expect((await app.inject({ url: '/quiet' })).statusCode).toBe(200);
      expect(children).toBe(0);
      expect(lines).toEqual([]);
      expect((await app.inject({ url: '/loud' })).statusCode).toBe(200);
      expect(children).toBe(1);
      expect(lines.map((l) => [l.level, l.reqId, l.msg, l.detail])).toEqual([
        [40, 'req-1', 'first', 2],
        [50, 'req-1', 'second', undefined],
      ]);
    } finally {
      await app.close();
    }
  });
});
