/**
 * `npm run dev`: the web vault's Vite dev server (hot updates) in front of a local API server.
 *
 * - Vite serves the page on http://localhost:5173 (WATCHWORD_DEV_PORT) and proxies /api, /.well-known and /healthz
 *   to the API (apps/web/vite.config.ts).
 * - The API server runs from packages/server with PUBLIC_URL set to the Vite address: DPoP proofs, WebAuthn and the
 *   links in mails must all name the origin the browser sees. It listens on PORT (8080) with the usual DATA_DIR.
 *   Set WATCHWORD_DEV_API=http://host:port to use an API server you run yourself instead (it must have
 *   PUBLIC_URL=http://localhost:5173).
 * - The dev server sends no Content-Security-Policy (Vite injects its client and styles at run time); the strict
 *   policy is exercised against the built files (`npm start`, and the end-to-end tests).
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const devPort = Number(process.env.WATCHWORD_DEV_PORT ?? 5173);
const devOrigin = `http://localhost:${devPort}`;
const apiPort = Number(process.env.PORT ?? 8080);

let api: ReturnType<typeof spawn> | undefined;
let stopping = false;
if (!process.env.WATCHWORD_DEV_API) {
  process.env.WATCHWORD_DEV_API = `http://127.0.0.1:${apiPort}`;
  api = spawn(process.execPath, [join(ROOT, 'packages', 'server', 'src', 'main.ts'), 'serve'], {
    env: { ...process.env, PORT: String(apiPort), PUBLIC_URL: process.env.PUBLIC_URL ?? devOrigin },
    stdio: 'inherit',
  });
  api.on('exit', (code) => {
    if (stopping) return;
    process.stderr.write(`watchword dev: the API server exited (${code ?? 'signal'}).\n`);
    process.exit(code ?? 1);
  });
}

const { createServer } = await import('vite');
const vite = await createServer({ configFile: join(ROOT, 'apps', 'web', 'vite.config.ts') });
await vite.listen();
vite.printUrls();
process.stderr.write(`watchword dev: API at ${process.env.WATCHWORD_DEV_API}; open ${devOrigin}/ (edits reload live).\n`);

/** Passes the signal to the API server, and exits once both it and Vite have stopped, with the API server's code. */
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  const server = api;
  const apiExited = server && server.exitCode === null && server.signalCode === null ? new Promise((resolve) => server.once('exit', resolve)) : Promise.resolve();
  server?.kill(signal);
  void Promise.all([vite.close(), apiExited]).then(() => process.exit(server?.exitCode ?? (server?.signalCode ? 1 : 0)));
};
// Vite's own SIGTERM handler closes Vite and exits at once (143), without waiting for the API server: ours replaces it.
process.removeAllListeners('SIGTERM');
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
