export * from './common.ts';
export * from './auth.ts';
export * from './account.ts';
export * from './items.ts';
export * from './sessions.ts';
export * from './webauthn.ts';
export * from './admin.ts';
export * from './oauth.ts';
