/**
 * UI pieces the web vault (Preact) and the browser extension (plain DOM) both use. Framework-free on purpose: each app
 * renders with its own toolkit; what they share is what the screens say and compute. Imports only the protocol's pure
 * helpers; never an app, the SDK's session code or the server (scripts/architecture-rules.ts).
 */
export { safeHttpUrl } from './safe-url.ts';
export { groupDigits } from './totp.ts';
export { createCredential, getAssertion, webauthnSupported } from './webauthn.ts';
export { GENERATOR_DEFAULTS, GENERATOR_LENGTH, type GeneratorOptions, generateOrEmpty } from './generator.ts';
