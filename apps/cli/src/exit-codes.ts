/**
 * Exit codes: 0 ok, 1 usage/validation, 2 authentication, 3 not found/conflict, 4 anything else. A module of its own so
 * that main.ts can use them without loading errors.ts (and the SDK with it) at start.
 */
export const EXIT = { ok: 0, usage: 1, auth: 2, notFound: 3, other: 4 } as const;
