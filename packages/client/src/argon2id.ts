/**
 * Argon2id (RFC 9106) in the client, through hash-wasm: WebAssembly shipped inside the npm package, the same code in
 * Node, browsers and the extension. One place for every client-side stretching — the encrypted export, the device's
 * offline unlock, and the password-protected exports of other managers — so the library is called one way.
 */
import { argon2id } from 'hash-wasm';

export interface Argon2idParams {
  /** RFC 9106 §3.1 "m", KiB. */
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/** A 32-byte key from `password` and `salt`. */
export async function argon2idKey(password: Uint8Array, salt: Uint8Array, params: Argon2idParams): Promise<Uint8Array> {
  return argon2id({
    password,
    salt,
    iterations: params.iterations,
    parallelism: params.parallelism,
    memorySize: params.memoryKiB,
    hashLength: 32,
    outputType: 'binary',
  });
}
