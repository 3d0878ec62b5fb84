/**
 * nodemailer, loaded on the first message: most servers send mail rarely, and loading it at start-up cost
 * ~60 ms and ~20 MB (docs/performance.md).
 */
let loaded: Promise<typeof import('nodemailer')> | undefined;

export function loadNodemailer(): Promise<typeof import('nodemailer')> {
  loaded ??= import('nodemailer').then((m) => m.default as unknown as typeof import('nodemailer'));
  return loaded;
}
