import { idbStore } from './idb-store.ts';

/**
 * The session's DPoP key pair in the extension's IndexedDB. The private key is a non-extractable CryptoKey: stored by
 * structured clone, it can sign again after a service-worker restart but can never be read out as bytes.
 */
const DB = 'watchword';
const STORE = 'keys';
const KEY = 'dpop';

const run = idbStore(DB, STORE);

export async function saveDpopKey(pair: CryptoKeyPair): Promise<void> {
  if (pair.privateKey.extractable) throw new Error('the DPoP private key must be non-extractable');
  await run('readwrite', (s) => s.put(pair, KEY));
}

export async function loadDpopKey(): Promise<CryptoKeyPair | undefined> {
  const value = (await run('readonly', (s) => s.get(KEY))) as CryptoKeyPair | undefined;
  return value?.privateKey && value.publicKey ? value : undefined;
}

export async function clearDpopKey(): Promise<void> {
  await run('readwrite', (s) => s.delete(KEY));
}
