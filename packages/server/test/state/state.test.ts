import { MemoryStateStore } from '../../src/state/memory.ts';
import { openStateStore } from '../../src/state/index.ts';
import { deleteKeysWithPrefix, stateKindsUnderTest, testRedisUrl, uniqueKeyPrefix } from '@watchword/testkit';
import { stateSuite } from './state.suite.ts';

for (const kind of stateKindsUnderTest()) {
  if (kind === 'memory') {
    stateSuite('memory', async () => {
      const store = new MemoryStateStore();
      return { store, dispose: () => store.close() };
    });
  } else {
    stateSuite('redis', async () => {
      const keyPrefix = uniqueKeyPrefix();
      const store = await openStateStore({ redisUrl: testRedisUrl, keyPrefix });
      return {
        store,
        async dispose() {
          await store.close();
          await deleteKeysWithPrefix(keyPrefix);
        },
      };
    });
  }
}
