// The web vault's decrypt worker measured alone, in Chromium (docs/performance.md, "client decrypt"): the built
// worker script (apps/web/dist/assets/decrypt.worker-*.js) is started in the vault's own page, given the vault key as
// a non-extractable CryptoKey, and sent a vault's blobs the way the page sends them (ItemDecryptor: a first batch of
// 100, then batches of 2,000, at most four in the worker at once). The figure is per item from the first batch sent
// to the last answer received, so it includes both postMessage copies and each item's search text. Same-run baseline:
// bare WebCrypto AES-GCM over the same blobs in the page, in chunks of 512, as bench/lib/client-bench.ts does in Node.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Item } from '@watchword/protocol';
import { personalItemAadText } from './vault-blobs.ts';

export interface WorkerDecryptRuns {
  /** µs per item, one value per run. */
  worker: number[];
  baseline: number[];
}

export function decryptWorkerAsset(dist: string): string {
  const name = readdirSync(join(dist, 'assets')).find((f) => /^decrypt\.worker-[\w-]+\.js$/.test(f));
  if (!name) throw new Error(`no decrypt worker in ${dist}/assets: build the web vault first`);
  return `/assets/${name}`;
}

export async function measureWorkerDecrypt(page: Page, input: { asset: string; userId: string; vaultKey: Uint8Array; items: readonly Item[]; runs: number }): Promise<WorkerDecryptRuns> {
  const live = input.items.filter((item) => !item.purged && item.data !== null);
  return page.evaluate(
    async ({ asset, userId, key, items, aads, runs }) => {
      const vaultKeys = new Map<string, CryptoKey>();
      for (const item of items) {
        if (!vaultKeys.has(item.vaultId)) vaultKeys.set(item.vaultId, await crypto.subtle.importKey('raw', new Uint8Array(key), { name: 'AES-GCM' }, false, ['decrypt']));
      }
      const fromB64 = (text: string) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)), (c) => c.charCodeAt(0));
      const encoder = new TextEncoder();
      const bare = async () => {
        const started = performance.now();
        for (let i = 0; i < items.length; i += 512) {
          await Promise.all(
            items.slice(i, i + 512).map((item, j) => {
              const bytes = fromB64(item.data as string);
              const aad = encoder.encode(aads[i + j]);
              return crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.subarray(1, 13), additionalData: aad }, vaultKeys.get(item.vaultId) as CryptoKey, bytes.subarray(13));
            }),
          );
        }
        return ((performance.now() - started) * 1000) / items.length;
      };
      const inWorker = async () => {
        const worker = new Worker(asset, { name: 'bench-decrypt' });
        try {
          worker.postMessage({ kind: 'keys', keys: { userId, keys: vaultKeys } });
          const batches: (typeof items)[] = [];
          for (let start = 0; start < items.length; ) {
            const end = start + (batches.length === 0 ? 100 : 2000);
            batches.push(items.slice(start, end));
            start = end;
          }
          const started = performance.now();
          await new Promise<void>((resolve, reject) => {
            let sent = 0;
            let answered = 0;
            let decrypted = 0;
            const send = () => {
              while (sent < batches.length && sent - answered < 4) {
                worker.postMessage({ kind: 'decrypt', job: sent, items: batches[sent] });
                sent++;
              }
            };
            worker.onmessage = (event: MessageEvent<{ items?: unknown[]; error?: { name: string } }>) => {
              if (event.data.error || !event.data.items) return reject(new Error(`decrypt worker: ${event.data.error?.name ?? 'no items'}`));
              decrypted += event.data.items.length;
              answered++;
              if (answered === batches.length) return decrypted === items.length ? resolve() : reject(new Error(`decrypted ${decrypted} of ${items.length}`));
              send();
            };
            worker.onerror = () => reject(new Error('the decrypt worker failed'));
            send();
          });
          return ((performance.now() - started) * 1000) / items.length;
        } finally {
          worker.terminate();
        }
      };
      const out = { worker: [] as number[], baseline: [] as number[] };
      // One warm-up of each, then alternated.
      await bare();
      await inWorker();
      for (let run = 0; run < runs; run++) {
        out.baseline.push(await bare());
        out.worker.push(await inWorker());
      }
      return out;
    },
    { asset: input.asset, userId: input.userId, key: [...input.vaultKey], items: live, aads: live.map((item) => personalItemAadText(input.userId, item)), runs: input.runs },
  );
}
