import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../src/hosts.ts';

describe('isLoopbackHost', () => {
  it('is localhost, 127.0.0.0/8 and ::1 (bracketed as URL.hostname gives it, or bare as a bind address)', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', new URL('http://[::1]:8080').hostname]) expect(isLoopbackHost(host)).toBe(true);
  });

  it('is nothing else', () => {
    for (const host of ['0.0.0.0', '10.0.0.1', '128.0.0.1', 'vault.example.com', 'localhost.example.com', '127.0.0.1.example.com', '::', '']) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });
});
