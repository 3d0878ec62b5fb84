import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type ServerProcess, startServerProcess, unseenMailLink } from '@watchword/testkit';
import { SERVER_BUNDLE, ensureServerBuild } from '../../../../scripts/ensure-server-build.ts';

export interface VaultServer {
  /** http://localhost:<port>: WebAuthn needs a host name as RP ID (an IP address is refused), and DPoP proofs and the
   * links in mails must name the origin the browser uses, so PUBLIC_URL and the page agree on it. */
  url: string;
  dataDir: string;
  process: ServerProcess;
  /** The link of the newest not yet seen mail of this kind to this address (mail is sent in the background: polled). */
  mailLink(to: string, kind: 'verify-email' | 'recover'): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A real `ww-server serve` process on a fresh SQLite data directory, serving the built web vault. It runs the server
 * bundle, as `npm start` does for a user (scripts/ensure-server-build.ts).
 */
export async function startVaultServer(env: Record<string, string> = {}): Promise<VaultServer> {
  await ensureServerBuild();
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'ww-web-e2e-'));
  const process = await startServerProcess({
    PORT: String(port),
    PUBLIC_URL: url,
    DATA_DIR: dataDir,
    // Profile 0 is allowed for accounts the tests create outside the page; the page itself uses the real profile 1.
    ALLOWED_KDF_VERSIONS: '0,1',
    // One address (127.0.0.1) does every login of the suite; the per-account throttling stays on.
    RATE_LIMIT_AUTH_PER_MINUTE: '10000',
    LOG_LEVEL: 'warn',
    ...env,
  }, SERVER_BUNDLE);
  const seen = new Set<string>();
  return {
    url,
    dataDir,
    process,
    mailLink: (to, kind) => waitFor(`a ${kind} mail to ${to}`, () => unseenMailLink(join(dataDir, 'outbox'), to, kind, seen)),
    async stop() {
      await process.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

