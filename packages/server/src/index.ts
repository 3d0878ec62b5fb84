export { build } from './app.ts';
export { loadConfig, redactConfig, type Config } from './config.ts';
export { openRuntime } from './runtime.ts';
export type { AppDeps } from './context.ts';
