/** Cleaning up after the test suites and the benchmark, which each run Redis under a key prefix of their own. */
import { Redis } from 'ioredis';

/** Deletes every key under `prefix` (SCAN + DEL). Prefixes are generated from word characters, so no glob ones. */
export async function deleteRedisKeysWithPrefix(url: string, prefix: string): Promise<void> {
  if (!/^[\w:]+$/.test(prefix)) throw new Error('unexpected characters in the key prefix');
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
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
