import type { FastifyRequest } from 'fastify';
import { WatchwordError } from '@watchword/protocol';
import { DPOP_DEFAULT_CLOCK_SKEW_SECONDS, DPOP_DEFAULT_MAX_AGE_SECONDS, checkDpopReplay, createNonceIssuer, verifyDpopProof } from '../tokens/dpop.ts';
import type { Config } from '../config.ts';
import type { ServerSecrets } from '../keys/server-secrets.ts';
import type { StateStore } from '../state/types.ts';

export interface DpopCheck {
  /** The access token the proof must be bound to (`ath`, RFC 9449 §4.3 step 11); absent at the token endpoints. */
  accessToken?: string;
  /** The thumbprint the access token is bound to (`cnf.jkt`, RFC 9449 §7.1). */
  expectedJkt?: string;
}

const REPLAY_TTL_MS = (DPOP_DEFAULT_MAX_AGE_SECONDS + DPOP_DEFAULT_CLOCK_SKEW_SECONDS) * 1000;

/** Verifies the request's DPoP proof, if any, and returns its key thumbprint (null when the request has no proof). */
export type DpopVerifier = (request: FastifyRequest, check?: DpopCheck) => Promise<string | null>;

export function createDpopVerifier(ctx: { config: Config; secrets: ServerSecrets; state: StateStore; now: () => number }): DpopVerifier & { nonce(): string } {
  const issuer = createNonceIssuer(ctx.secrets.serverSecret);
  const origin = new URL(ctx.config.publicUrl).origin;
  const verifier = async (request: FastifyRequest, check: DpopCheck = {}) => {
    const header = request.headers.dpop;
    // §4.3 step 1: exactly one DPoP header.
    if (Array.isArray(header)) throw new WatchwordError('INVALID_DPOP_PROOF', { cause: 'several DPoP headers' });
    if (header === undefined) return null;
    const now = ctx.now();
    const proof = verifyDpopProof(header, {
      method: request.method,
      // The URL the client addressed: PUBLIC_URL's origin and the request path (§4.3 step 9; the query is ignored).
      url: `${origin}${request.url}`,
      now,
      ...(check.accessToken !== undefined ? { accessToken: check.accessToken } : {}),
      ...(check.expectedJkt !== undefined ? { expectedJkt: check.expectedJkt } : {}),
      ...(ctx.config.dpopRequireNonce ? { nonce: { current: () => issuer.current(now), accept: (n: string) => issuer.accept(n, now) } } : {}),
    });
    // §11.1: a proof is accepted once, on any instance (the replay cache is the shared state store).
    await checkDpopReplay(ctx.state, proof.jti, proof.jkt, REPLAY_TTL_MS);
    return proof.jkt;
  };
  return Object.assign(verifier, { nonce: () => issuer.current(ctx.now()) });
}
