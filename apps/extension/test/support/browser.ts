import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Frame, type Page, type Worker, chromium } from 'playwright-core';

/**
 * Debian's Chromium; never a downloaded browser. The packaged headless shell the web-vault suites fall back to cannot
 * load extensions, so this suite needs the full browser: when it is missing and the tests run as root on a Debian
 * machine, the suite installs Debian's package itself (the test command sets up its own prerequisite); otherwise it
 * fails with what to install.
 */
export const CHROMIUM = '/usr/bin/chromium';

export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const root = process.getuid?.() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) {
    throw new Error(`the extension suite needs Debian's Chromium at ${CHROMIUM}: install it with \`apt-get install chromium\``);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore', timeout: 300_000 });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { env, stdio: 'ignore', timeout: 600_000 });
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get install chromium did not provide ${CHROMIUM}`);
  return CHROMIUM;
}
export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
export const HOST_A = 'autofill-a.test';
export const HOST_B = 'autofill-b.test';

export interface ExtensionBrowser {
  context: BrowserContext;
  extensionId: string;
  worker: Worker;
  /** The browser profile: pass it to launchWithExtension again to restart the same browser. */
  userDataDir: string;
  /** Closes the browser; the profile is deleted unless `keepProfile` (for a restart). */
  close(options?: { keepProfile?: boolean }): Promise<void>;
}

/** Chromium with the unpacked extension loaded (new headless mode runs extensions), two host names for the test site. */
export async function launchWithExtension(extensionDir: string, userDataDir = mkdtempSync(join(tmpdir(), 'ww-ext-'))): Promise<ExtensionBrowser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: ensureChromium(),
    headless: false,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      `--host-resolver-rules=MAP ${HOST_A} 127.0.0.1, MAP ${HOST_B} 127.0.0.1`,
    ],
    viewport: { width: 1100, height: 800 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20_000 }));
  const extensionId = new URL(worker.url()).host;
  return {
    context,
    extensionId,
    worker,
    userDataDir,
    async close(options = {}) {
      await context.close();
      if (!options.keepProfile) rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The inline menu's frame (an extension page) inside a page, once it is there. */
export async function menuFrame(page: Page, timeoutMs = 10_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = page.frames().find((f) => f.url().startsWith('chrome-extension://') && new URL(f.url()).pathname === '/menu.html');
    if (frame) {
      await frame.waitForLoadState('domcontentloaded');
      return frame;
    }
    if (Date.now() > deadline) throw new Error('no inline menu');
    await page.waitForTimeout(50);
  }
}

export function promptFrame(page: Page): Frame | undefined {
  return page.frames().find((f) => f.url().startsWith('chrome-extension://') && new URL(f.url()).pathname === '/prompt.html');
}
