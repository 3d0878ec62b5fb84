/**
 * The session's DPoP key pair in the extension's IndexedDB. The private key is a non-extractable CryptoKey: stored by
 * structured clone, it can sign again after a service-worker restart but can never be read out as bytes.
 */
const DB = 'watchword';
const STORE = 'keys';
const KEY = 'dpop';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = work(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

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
