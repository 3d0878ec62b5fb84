/**
 * Whether a host name (as `URL.hostname` gives it, or a bind address) is this machine's loopback: `localhost`,
 * 127.0.0.0/8 or ::1. Shared by the server (an unauthenticated metrics listener only there) and the CLI (plain http
 * only there).
 */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
