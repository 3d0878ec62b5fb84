/**
 * WebCrypto's typings want `Uint8Array<ArrayBuffer>`; callers may hold views over a
 * `SharedArrayBuffer` (or the generic `ArrayBufferLike`). Copy only when needed.
 * @internal
 */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
