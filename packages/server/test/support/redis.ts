/** Redis for tests: a unique key prefix per harness, and its keys deleted afterwards. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { serviceUrl } from './env.ts';

export const testRedisUrl: string | undefined = process.env.TEST_REDIS_URL || undefined;
export const redisAvailable = testRedisUrl !== undefined;

export type StateKind = 'memory' | 'redis';

/** Memory always; Redis when TEST_REDIS_URL is set (required on CI, see env.ts). */
export function stateKindsUnderTest(): StateKind[] {
  return serviceUrl('TEST_REDIS_URL') === undefined ? ['memory'] : ['memory', 'redis'];
}

export function uniqueKeyPrefix(): string {
  return `ww_test_${randomBytes(8).toString('hex')}:`;
}

/** A plain client without a prefix, to look at what the store wrote. */
export function rawRedis(): Redis {
  if (testRedisUrl === undefined) throw new Error('TEST_REDIS_URL is not set');
  return new Redis(testRedisUrl, { maxRetriesPerRequest: 1 });
}

/** Deletes every key under prefix (SCAN + DEL; the prefix is generated from hex digits, so it has no glob characters). */
export async function deleteKeysWithPrefix(prefix: string): Promise<void> {
  if (!/^[\w:]+$/.test(prefix)) throw new Error('unexpected characters in the test key prefix');
  const client = rawRedis();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await client.quit();
  }
}
