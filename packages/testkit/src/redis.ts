/** Redis for tests: a unique key prefix per harness, and its keys deleted afterwards. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteRedisKeysWithPrefix } from './redis-prefix.ts';
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

/** Deletes every key under prefix (what a harness wrote). */
export async function deleteKeysWithPrefix(prefix: string): Promise<void> {
  if (testRedisUrl === undefined) throw new Error('TEST_REDIS_URL is not set');
  await deleteRedisKeysWithPrefix(testRedisUrl, prefix);
}
