/** Server-side OPAQUE steps shared by registration, login, fresh authentication, password change and recovery. */
import { createHmac, randomUUID } from 'node:crypto';
import { WatchwordError, opaqueClient, opaqueServer } from '@watchword/protocol';
import type { FastifyRequest } from 'fastify';
import type { Context } from '../context.ts';

/**
 * The OPAQUE identifier of an unknown address: a keyed hash of the normalised e-mail, formatted like a user id, so
 * repeated login starts for the same unknown address get consistent answers (design brief §1, RFC 9807 §10.9).
 */
export function fakeUserId(secret: Uint8Array, email: string): string {
  const h = createHmac('sha256', secret).update(`watchword/v1/fake-user\0${email}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A message the OPAQUE library cannot parse is the client's fault: 400, not 500. */
export function opaque<T>(fn: () => T): T {
  try {
    return fn();
  } catch (cause) {
    throw new WatchwordError('VALIDATION_FAILED', { cause });
  }
}

/** RFC 9807 §5.2.2 CreateRegistrationResponse for `userId`. */
export function registrationResponse(ctx: Context, userId: string, registrationRequest: string): string {
  return opaque(() => opaqueServer.createRegistrationResponse({ serverSetup: ctx.secrets.opaqueServerSetup, userId, registrationRequest })).registrationResponse;
}

/**
 * A record the OPAQUE library cannot use would break this account's logins later: refuse it now, by running a
 * server login start (RFC 9807 §6.3.2.1) against a throw-away KE1.
 */
export function assertUsableRecord(ctx: Context, userId: string, registrationRecord: string): void {
  const { startLoginRequest } = opaqueClient.startLogin(randomUUID());
  opaque(() => opaqueServer.startServerLogin({ serverSetup: ctx.secrets.opaqueServerSetup, userId, registrationRecord, startLoginRequest }));
}

/** The key-stretching profile of a new record must be one this server accepts. */
export function assertAllowedKdf(ctx: Context, kdfVersion: number): void {
  if (!ctx.config.allowedKdfVersions.includes(kdfVersion)) throw new WatchwordError('VALIDATION_FAILED', { details: { field: '/kdfVersion' } });
}

/** Whether a KE3 (finishLoginRequest) completes the server login state. Never throws. */
export function finishLoginVerified(serverLoginState: string, finishLoginRequest: string): boolean {
  try {
    opaqueServer.finishServerLogin({ serverLoginState, finishLoginRequest });
    return true;
  } catch {
    return false;
  }
}

export function clientInfo(request: FastifyRequest, deviceName: string | undefined, dpopJkt: string | null) {
  const ua = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof ua === 'string' ? ua.slice(0, 256) : '', deviceName: deviceName ?? 'unnamed device', dpopJkt };
}

/** The DPoP key a token request is made with (RFC 9449 §5), enforced when DPOP_REQUIRED is set. */
export async function tokenRequestJkt(ctx: Context, request: FastifyRequest): Promise<string | null> {
  const jkt = await ctx.dpop(request);
  if (jkt === null && ctx.config.dpopRequired) throw new WatchwordError('INVALID_DPOP_PROOF', { cause: 'DPoP is required' });
  return jkt;
}
