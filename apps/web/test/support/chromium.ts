/**
 * The Chromium the web vault's end-to-end suites drive, never one downloaded at test time:
 * 1. `WATCHWORD_CHROMIUM`, a path, when set;
 * 2. the system's Chromium (`/usr/bin/chromium`, Debian's package), when installed;
 * 3. otherwise the headless Chromium that the `@sparticuz/chromium` package ships inside itself (a dev dependency,
 *    installed by `npm install` from the npm registry like any other package): its Brotli-compressed binary, the NSS
 *    libraries it links against, its SwiftShader graphics libraries and a font, unpacked once into
 *    `~/.cache/watchword-chromium/<version>` (a directory of its own made complete before it is renamed into place,
 *    so parallel runs never see half a browser). It runs with `LD_LIBRARY_PATH` on those libraries, so a fresh
 *    machine needs no system package.
 * `WATCHWORD_CHROMIUM_SOURCE=npm` skips the system Chromium (to try the packaged one where both exist).
 */
import { chmodSync, createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';
import { extract } from 'tar-fs';

export interface ChromiumBinary {
  executablePath: string;
  /** Extra environment for the browser process (the packaged one's libraries and fonts). */
  env: Record<string, string>;
  source: 'env' | 'system' | 'npm';
}

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

export async function resolveChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumBinary> {
  const chosen = env.WATCHWORD_CHROMIUM;
  if (chosen !== undefined && chosen !== '') {
    if (!existsSync(chosen)) throw new Error(`WATCHWORD_CHROMIUM names ${chosen}, which does not exist`);
    return { executablePath: chosen, env: {}, source: 'env' };
  }
  if (env.WATCHWORD_CHROMIUM_SOURCE !== 'npm' && existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, env: {}, source: 'system' };
  return packagedChromium(env);
}

async function packagedChromium(env: NodeJS.ProcessEnv): Promise<ChromiumBinary> {
  const require = createRequire(import.meta.url);
  let pkgDir: string;
  try {
    pkgDir = dirname(dirname(require.resolve('@sparticuz/chromium')));
  } catch {
    throw new Error(`no Chromium: ${SYSTEM_CHROMIUM} is missing and the @sparticuz/chromium dev dependency is not installed (npm install), or set WATCHWORD_CHROMIUM`);
  }
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const bin = join(pkgDir, 'bin');
  const cache = join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'watchword-chromium');
  const dir = join(cache, version);
  const executablePath = join(dir, 'chromium');
  if (!existsSync(executablePath)) {
    const staging = join(cache, `.${version}-${process.pid}-${Date.now()}`);
    mkdirSync(staging, { recursive: true });
    try {
      writeFileSync(join(staging, 'chromium'), brotliDecompressSync(readFileSync(join(bin, 'chromium.br'))));
      chmodSync(join(staging, 'chromium'), 0o755);
      // Graphics libraries beside the binary (Chromium loads them from its own directory), NSS under lib/, fonts.
      for (const [archive, into] of [['swiftshader.tar.br', ''], ['al2023.tar.br', ''], ['fonts.tar.br', 'fonts']] as const) {
        // tar-fs refuses entries that would land outside the directory it extracts into.
        await pipeline(createReadStream(join(bin, archive)), createBrotliDecompress(), extract(join(staging, into)));
      }
      // The packaged fonts.conf names Lambda's directories; point it at ours.
      const fontsDir = join(staging, 'fonts');
      writeFileSync(
        join(fontsDir, 'fonts.conf'),
        `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(dir, 'fonts', 'fonts')}</dir>\n  <cachedir>${join(dir, 'fonts', 'cache')}</cachedir>\n</fontconfig>\n`,
      );
      try {
        renameSync(staging, dir);
      } catch (error) {
        // Another run unpacked it first: theirs is as good.
        if (!existsSync(executablePath)) throw error;
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  const libraries = [join(dir, 'lib'), ...(env.LD_LIBRARY_PATH ? [env.LD_LIBRARY_PATH] : [])].join(':');
  return { executablePath, env: { LD_LIBRARY_PATH: libraries, FONTCONFIG_PATH: join(dir, 'fonts') }, source: 'npm' };
}
