import type { ItemKeys, LiveItem, VaultItem } from '@watchword/client';

/** What the page sends the decrypt worker (decrypt.worker.ts). */
export type DecryptRequest = { kind: 'keys'; keys: ItemKeys } | { kind: 'decrypt'; job: number; items: LiveItem[] };

/** Its answer to one `decrypt` job: the items with their search texts (same order), or the kind of failure. */
export type DecryptResponse =
  | { job: number; items: VaultItem[]; texts: string[]; error?: undefined }
  | { job: number; error: { name: string; code: string | undefined } };
