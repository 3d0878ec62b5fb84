import { createRequire } from 'node:module';

/**
 * nodemailer, loaded on the first message: most servers send mail rarely, and loading it at start-up cost
 * ~60 ms and ~20 MB (docs/performance.md). Its CommonJS build, through require: the ES build imports node:http,
 * and an ESM import of node:http makes Node load its whole fetch implementation (undici, ~16 MB), which nothing
 * here uses (see http/metrics.ts). The server bundle leaves nodemailer outside (scripts/ensure-server-build.ts).
 */
let loaded: Promise<typeof import('nodemailer')> | undefined;

export function loadNodemailer(): Promise<typeof import('nodemailer')> {
  loaded ??= Promise.resolve().then(() => createRequire(import.meta.url)('nodemailer') as typeof import('nodemailer'));
  return loaded;
}
