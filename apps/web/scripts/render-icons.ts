/**
 * Renders the web vault's app icons (apps/web/src/icons/*.png, committed) from src/icon.svg in the test suites'
 * Chromium (headless screenshots): 192 and 512 px ("any"), and a 512 px maskable one whose artwork sits inside the
 * safe zone (the centre 80 %) on the brand colour. Run after changing the SVG:
 *   node scripts/launch.mjs apps/web/scripts/render-icons.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { resolveChromium } from '../test/support/chromium.ts';

const SRC = join(import.meta.dirname, '..', 'src');
const svg = readFileSync(join(SRC, 'icon.svg'), 'utf8');
const BRAND = '#1f4e79';

const binary = await resolveChromium();
const browser = await chromium.launch({ executablePath: binary.executablePath, env: { ...process.env, ...binary.env } as Record<string, string>, args: ['--no-sandbox', '--disable-gpu'] });
try {
  for (const { name, size, maskable } of [
    { name: 'icon-192.png', size: 192, maskable: false },
    { name: 'icon-512.png', size: 512, maskable: false },
    { name: 'icon-maskable-512.png', size: 512, maskable: true },
  ]) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const art = maskable ? Math.round(size * 0.7) : size;
    const background = maskable ? BRAND : 'transparent';
    await page.setContent(
      `<body style="margin:0;width:${size}px;height:${size}px;display:grid;place-items:center;background:${background}">` +
        `<img style="width:${art}px;height:${art}px" src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}"></body>`,
    );
    await page.screenshot({ path: join(SRC, 'icons', name), omitBackground: !maskable });
    await page.close();
  }
} finally {
  await browser.close();
}
