/** Opens the state store picked by the configuration: Redis when a URL is given, else in-memory. */
import { MemoryStateStore } from './memory.ts';
import type { StateOptions, StateStore } from './types.ts';
import { OperatorError } from '../operator-errors.ts';

export type * from './types.ts';
export { MemoryStateStore } from './memory.ts';

export async function openStateStore(options: StateOptions): Promise<StateStore> {
  if (options.redisUrl === undefined) return new MemoryStateStore();
  if (!/^rediss?:\/\//i.test(options.redisUrl)) {
    // Never echo the URL: it may carry a password.
    throw new OperatorError('WW_REDIS_URL_INVALID', 'REDIS_URL must be a redis:// or rediss:// URL (or unset for in-memory state)');
  }
  // Loaded only when used: the in-memory default never pays for ioredis.
  const { RedisStateStore } = await import('./redis.ts');
  const { redisUrl, ...redisOptions } = options;
  return RedisStateStore.open(redisUrl, redisOptions);
}
