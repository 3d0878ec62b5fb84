import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ensureOpaqueReady, fromBase64Url, opaqueServer, toBase64Url } from '@watchword/protocol';
import type { Config } from '../config.ts';
import type { Storage } from '../storage/types.ts';
import { sha256Base64Url } from '../tokens/sha256.ts';
import { readSecretFile, writeSecretFile } from './files.ts';
import { OperatorError } from '../operator-errors.ts';

/**
 * Secrets that must live OUTSIDE the database (design brief §1): the OPAQUE server setup (OPRF seed + server
 * static key) and a server secret for keyed hashes. A leaked database dump alone must not allow offline guessing,
 * so the database keeps only a fingerprint of the setup, and the server refuses to start when they disagree.
 */
export interface ServerSecrets {
  readonly opaqueServerSetup: string;
  readonly serverSecret: Uint8Array;
}

export const FINGERPRINT_KEY = 'opaque_setup_fingerprint';

export function secretPaths(dataDir: string) {
  return { opaqueSetup: join(dataDir, 'secrets', 'opaque-server-setup'), serverSecret: join(dataDir, 'secrets', 'server-secret') };
}

export function setupFingerprint(setup: string): string {
  return sha256Base64Url(`watchword/v1/opaque-setup\0${setup}`);
}

export async function loadServerSecrets(config: Config, storage: Storage): Promise<ServerSecrets> {
  const paths = secretPaths(config.dataDir);
  const stored = await storage.meta.get(FINGERPRINT_KEY);
  const users = await storage.users.count();

  let setup = config.opaqueServerSetup ?? readSecretFile(paths.opaqueSetup);
  if (setup === undefined) {
    if (stored !== undefined || users > 0) {
      throw new OperatorError(
        'WW_OPAQUE_SETUP_MISSING',
        `the database holds accounts but the OPAQUE server setup is missing (expected OPAQUE_SERVER_SETUP or ${paths.opaqueSetup}); restore it from your backup — a new one would lock every user out`,
      );
    }
    await ensureOpaqueReady();
    setup = opaqueServer.createServerSetup();
    writeSecretFile(paths.opaqueSetup, setup);
  }
  const actual = setupFingerprint(setup);
  if (stored === undefined) {
    if (users > 0) throw new OperatorError('WW_OPAQUE_SETUP_MISSING', 'the database holds accounts but no OPAQUE setup fingerprint; refusing to guess which setup they were made with');
    await storage.meta.set(FINGERPRINT_KEY, actual);
  } else if (stored !== actual) {
    throw new OperatorError('WW_OPAQUE_SETUP_MISMATCH', 'the OPAQUE server setup does not match the one this database was created with (fingerprint differs); refusing to start');
  }

  let secret = config.serverSecret ?? readSecretFile(paths.serverSecret);
  if (secret === undefined) {
    secret = toBase64Url(randomBytes(32));
    writeSecretFile(paths.serverSecret, secret);
  }
  const serverSecret = fromBase64Url(secret);
  if (serverSecret.length < 32) throw new OperatorError('WW_SERVER_SECRET_INVALID', 'the server secret must be at least 32 bytes');
  return Object.freeze({ opaqueServerSetup: setup, serverSecret });
}
