import type { PasskeyCreate, PasskeyGet } from '@watchword/client';
import { fromBase64Url } from '@watchword/protocol';
import { createCredential, getAssertion } from '@watchword/ui';

/*
 * The web vault's half of a passkey that signs in and unlocks (the SDK's passkey-unlock.ts; docs/crypto.md): the two
 * WebAuthn ceremonies with the PRF salt as bytes, and the PRF output read from the credential's extension results.
 */

/** The PRF extension's outputs (WebAuthn L3 §10.1.4) as the browser reports them; read here, never sent. */
interface PrfExtensionOutputs {
  enabled?: boolean;
  results?: { first?: ArrayBuffer | ArrayBufferView };
}

function prfOutputs(credential: PublicKeyCredential): PrfExtensionOutputs {
  const prf = (credential.getClientExtensionResults() as { prf?: PrfExtensionOutputs }).prf;
  return prf !== null && typeof prf === 'object' ? prf : {};
}

function prfFirst(outputs: PrfExtensionOutputs): Uint8Array | undefined {
  const first = outputs.results?.first;
  if (first === undefined) return undefined;
  return first instanceof ArrayBuffer ? new Uint8Array(first) : new Uint8Array(first.buffer.slice(first.byteOffset, first.byteOffset + first.byteLength));
}

/** The PRF input with the salt as bytes (the browser API takes BufferSource, the SDK gives base64url). */
const prfInput = (extensions: { prf: { eval: { first: string } } }) => ({ prf: { eval: { first: fromBase64Url(extensions.prf.eval.first).buffer } } }) as AuthenticationExtensionsClientInputs;

/**
 * The two ceremonies of a passkey that signs in and unlocks (the SDK's PasskeyCreate / PasskeyGet): the options in
 * the JSON form with the PRF salt; the response as the server's strict schema takes it (PRF results left out), and
 * the PRF output beside it, for the SDK to derive the unwrapping key here.
 */
export const passkeyCeremonies: { create: PasskeyCreate; get: PasskeyGet } = {
  async create(options) {
    let prf: PrfExtensionOutputs = {};
    const { extensions, ...rest } = options;
    const response = await createCredential(
      { ...rest, extensions: extensions.credProps === undefined ? {} : { credProps: extensions.credProps } },
      { extensions: { ...(extensions.credProps ? { credProps: true } : {}), ...prfInput(extensions) } as AuthenticationExtensionsClientInputs, onCredential: (c) => (prf = prfOutputs(c)) },
    );
    const first = prfFirst(prf);
    return { response, prfEnabled: prf.enabled === true || first !== undefined, ...(first ? { prfOutput: first } : {}) };
  },
  async get(options) {
    let prf: PrfExtensionOutputs = {};
    const { extensions, ...rest } = options;
    const response = await getAssertion(rest, { extensions: prfInput(extensions), onCredential: (c) => (prf = prfOutputs(c)) });
    const first = prfFirst(prf);
    return { response, ...(first ? { prfOutput: first } : {}) };
  },
};
