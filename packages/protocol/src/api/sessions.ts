import Type, { type Static } from 'typebox';
import { MfaMethod } from './auth.ts';
import { Timestamp, Uuid, strict } from './common.ts';

export const SessionInfo = Type.Object(
  {
    id: Uuid,
    deviceName: Type.String(),
    createdAt: Timestamp,
    lastUsedAt: Timestamp,
    expiresAt: Timestamp,
    ip: Type.String(),
    userAgent: Type.String(),
    /** True for the session the request was made with. */
    current: Type.Boolean(),
    /** True when the session's tokens are bound to a DPoP key. */
    dpopBound: Type.Boolean(),
    /** The second factor the session's login passed; null for a password-only login. */
    secondFactor: Type.Union([MfaMethod, Type.Null()]),
  },
  strict,
);
export type SessionInfo = Static<typeof SessionInfo>;

export const ListSessionsResponse = Type.Object({ sessions: Type.Array(SessionInfo) }, strict);
export type ListSessionsResponse = Static<typeof ListSessionsResponse>;

export const SessionParams = Type.Object({ id: Uuid }, strict);

export const LogoutAllResponse = Type.Object({ ok: Type.Literal(true), revoked: Type.Integer({ minimum: 0 }) }, strict);
export type LogoutAllResponse = Static<typeof LogoutAllResponse>;
