import type { LiveItem, Vault, VaultItem } from '@watchword/client';
import { DecryptionError, WatchwordError, type ErrorCode } from '@watchword/protocol';
import type { DecryptRequest, DecryptResponse } from './decrypt-messages.ts';
import DecryptWorker from './decrypt.worker.ts?worker';

/**
 * The page's side of the decrypt worker: one worker per unlocked vault, given the vault's keys as non-extractable
 * CryptoKeys. `decrypt` queues a batch and resolves with its items; each item's search text is kept in `texts` for
 * the item store to take (item-store.ts), so the page never builds it on the main thread.
 */
export class ItemDecryptor {
  readonly texts = new Map<string, string>();
  readonly #worker: Worker;
  readonly #jobs = new Map<number, { resolve: (items: VaultItem[]) => void; reject: (error: unknown) => void }>();
  #next = 0;
  readonly #waiting: DecryptRequest[] = [];
  #inFlight = 0;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.onmessage = (event: MessageEvent<DecryptResponse>) => this.#answer(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.#failAll(new Error('the decrypt worker failed'));
    };
  }

  static async start(vault: Vault): Promise<ItemDecryptor> {
    const keys = await vault.itemKeys();
    const decryptor = new ItemDecryptor(new DecryptWorker({ name: 'watchword-decrypt' }));
    decryptor.#post({ kind: 'keys', keys });
    return decryptor;
  }

  decrypt = (items: LiveItem[]): Promise<VaultItem[]> => {
    const job = this.#next++;
    return new Promise((resolve, reject) => {
      this.#jobs.set(job, { resolve, reject });
      this.#waiting.push({ kind: 'decrypt', job, items });
      this.#pump();
    });
  };

  /**
   * At most four batches in the worker at a time: it always has the next ones ready even while the page is busy
   * rendering, and the page copies the rest to it (postMessage clones) as answers come back instead of all of them
   * before it can show the first.
   */
  #pump(): void {
    while (this.#inFlight < 4) {
      const next = this.#waiting.shift();
      if (!next) return;
      this.#inFlight++;
      this.#post(next);
    }
  }

  /** Ends the worker (and with it its copy of the key handles); pending batches reject. */
  stop(): void {
    this.#worker.terminate();
    this.texts.clear();
    this.#failAll(new Error('the vault was locked'));
  }

  #post(message: DecryptRequest): void {
    this.#worker.postMessage(message);
  }

  #answer(answer: DecryptResponse): void {
    this.#inFlight--;
    this.#pump();
    const job = this.#jobs.get(answer.job);
    if (!job) return;
    this.#jobs.delete(answer.job);
    if (answer.error) {
      job.reject(answer.error.name === 'DecryptionError' ? new DecryptionError() : answer.error.code ? new WatchwordError(answer.error.code as ErrorCode) : new Error(answer.error.name));
      return;
    }
    answer.items.forEach((item, i) => this.texts.set(item.id, answer.texts[i] ?? ''));
    job.resolve(answer.items);
  }

  #failAll(error: Error): void {
    this.#waiting.length = 0;
    for (const job of this.#jobs.values()) job.reject(error);
    this.#jobs.clear();
  }
}
