/**
 * Ports for the server processes that the tests and the benchmark start (they must pass the port in PORT, and a
 * web-vault server also in PUBLIC_URL, before the process exists).
 */
import { createServer } from 'node:net';

/**
 * A port for a server process, drawn from below the kernel's ephemeral range (32768–60999 by default). Every outgoing
 * connection of a test run or benchmark (to PostgreSQL, Redis, the test servers) takes its local port from that
 * range, so a port found free there could be taken by one before the server listens on it (seen as EADDRINUSE on
 * CI). Each vitest worker (and what it spawns) draws from its own block of 1,000, starting at a random place, and a
 * port is checked free before use.
 */
const PORT_BLOCK = 1_000;
const portBase = 20_000 + (Number(process.env.VITEST_POOL_ID ?? 0) % 10) * PORT_BLOCK;
let nextPort = Math.floor(Math.random() * PORT_BLOCK);

export async function freePort(): Promise<number> {
  for (let tries = 0; tries < PORT_BLOCK; tries++) {
    const port = portBase + (nextPort++ % PORT_BLOCK);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${portBase}–${portBase + PORT_BLOCK - 1}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
