/**
 * The browser suites need no system package: where Debian's Chromium is missing, they drive the Chromium that the
 * `@sparticuz/chromium` dev dependency ships inside its npm package (support/chromium.ts). This runs that one
 * explicitly, wherever the suites happen to use the system's, so the fallback is proven on every run.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { resolveChromium } from './support/chromium.ts';

describe('the Chromium shipped in an npm package', () => {
  it('unpacks with the libraries it needs and renders a page', async () => {
    const packaged = await resolveChromium({ ...process.env, WATCHWORD_CHROMIUM: '', WATCHWORD_CHROMIUM_SOURCE: 'npm' });
    expect(packaged.source).toBe('npm');
    for (const file of ['chromium', 'lib/libnss3.so', 'libEGL.so', 'fonts/fonts.conf']) expect(existsSync(join(dirname(packaged.executablePath), file)), file).toBe(true);
    const browser = await chromium.launch({ executablePath: packaged.executablePath, env: { ...process.env, ...packaged.env } as Record<string, string>, args: ['--no-sandbox', '--headless'] });
    try {
      const page = await browser.newPage();
      await page.setContent('<h1>Watchword</h1><script>document.title = String(6 * 7)</script>');
      expect(await page.title()).toBe('42');
      expect(await page.evaluate(() => typeof WebAssembly.compile)).toBe('function');
      expect(browser.version()).toMatch(/^\d+\./);
    } finally {
      await browser.close();
    }
  });
});
