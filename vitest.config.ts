import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'scripts/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Two cores on CI: more workers only thrash the OPAQUE/Argon2 work.
    maxWorkers: 2,
    // expect.poll resolves as soon as its condition holds; 1 s (the default) is too short on a loaded 2-core machine
    // for a page step such as the first password-strength check, which parses a 1.2 MB dictionary.
    expect: { poll: { timeout: 10_000 } },
  },
});
