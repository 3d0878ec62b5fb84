/**
 * Test plumbing for the OpenID provider: a fetch for openid-client that answers through `app.inject` (no socket),
 * and a "browser" — a cookie jar with the SDK signed in through it — that follows the provider's redirects, signs the
 * interaction in and consents through the web vault's API calls, as the page at `/#/oauth/<uid>` does.
 */
import { type Vault, WatchwordClient } from '@watchword/client';
import { parseOtpauthUri, totp } from '@watchword/protocol';
import type { TestApp } from '@watchword/testkit/app';

export const PUBLIC = 'http://watchword.test';
export const PASSWORD = 'a long and fine passphrase';

type InjectReply = Awaited<ReturnType<TestApp['app']['inject']>>;

function toResponse(res: InjectReply): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, String(v));
    else if (value !== undefined) headers.set(name, String(value));
  }
  const empty = res.statusCode === 204 || res.statusCode === 304 || (res.statusCode >= 300 && res.statusCode < 400 && res.rawPayload.length === 0);
  return new Response(empty ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers });
}

/** fetch(url, init) answered by the app in this process; never follows redirects (the caller sees them). */
export function injectFetch(t: TestApp, cookies?: Map<string, string>) {
  return async (input: string | URL | Request, init: { method?: string; headers?: HeadersInit; body?: unknown } = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => {
      headers[k] = v;
    });
    if (cookies && cookies.size > 0) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const body = init.body === undefined || init.body === null ? undefined : init.body instanceof URLSearchParams ? init.body.toString() : init.body instanceof Uint8Array ? Buffer.from(init.body).toString() : String(init.body);
    const res = await t.app.inject({ method: (init.method ?? 'GET') as 'GET', url: url.pathname + url.search, headers, ...(body !== undefined ? { payload: body } : {}) });
    if (cookies) remember(cookies, res);
    return toResponse(res);
  };
}

function remember(cookies: Map<string, string>, res: InjectReply): void {
  const set = res.headers['set-cookie'];
  for (const line of set === undefined ? [] : [set].flat()) {
    const [pair = '', ...attributes] = String(line).split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
    if (expired || value === '') cookies.delete(name);
    else cookies.set(name, value);
  }
}

export interface Account {
  email: string;
  userId: string;
  totpSecret: Uint8Array;
}

/** Registers an account with TOTP enabled (so every login needs the second factor). */
export async function accountWithTotp(t: TestApp, email: string): Promise<Account> {
  const client = new WatchwordClient({ passwordPolicy: false, serverUrl: PUBLIC, fetch: t.fetch, kdfVersion: 0, dpop: false });
  await client.register({ email, password: PASSWORD });
  const vault = await client.login({ email, password: PASSWORD });
  const enrolment = await client.security(vault.session).enrolTotp(PASSWORD);
  const secret = parseOtpauthUri(enrolment.otpauthUri).secret;
  await client.security(vault.session).confirmTotp(await totp(secret, t.clock.now));
  return { email, userId: vault.userId, totpSecret: secret };
}

/** A browser: its own cookies, and the Watchword login (master password + TOTP) done through them. */
export class Browser {
  readonly cookies = new Map<string, string>();
  readonly fetch: ReturnType<typeof injectFetch>;
  readonly client: WatchwordClient;
  #vault: Vault | undefined;
  readonly t: TestApp;

  constructor(t: TestApp) {
    this.t = t;
    this.fetch = injectFetch(t, this.cookies);
    this.client = new WatchwordClient({ passwordPolicy: false, serverUrl: PUBLIC, fetch: (input, init) => this.fetch(input, init), kdfVersion: 0, dpop: false });
  }

  /** The web vault's login, second factor included (the server clock moves one TOTP step on: a code works once). */
  async login(account: Account): Promise<Vault> {
    this.t.clock.advance(30_000);
    this.#vault = await this.client.login({
      email: account.email,
      password: PASSWORD,
      secondFactor: async () => ({ method: 'totp', code: await totp(account.totpSecret, this.t.clock.now) }),
    });
    return this.#vault;
  }

  /**
   * Opens `url` and follows the provider's redirects; at the web vault's interaction page, signs in (logging in
   * first when no Watchword session exists yet) and consents. Returns where the provider finally sends the browser
   * (the application's redirect URI), and what the interaction page was shown.
   */
  async authorize(url: URL | string, account: Account, options: { decline?: boolean } = {}): Promise<{ location: URL; status: number; shown: { prompt: string; scopes: string[]; client: string; redirectUri: string }[]; body?: string; csp?: string | null }> {
    const shown: { prompt: string; scopes: string[]; client: string; redirectUri: string }[] = [];
    let next = new URL(url, PUBLIC).toString();
    for (let hop = 0; hop < 8; hop++) {
      const res = await this.fetch(next, { method: 'GET' });
      const location = res.headers.get('location');
      // No redirect: the provider's last answer is a page (form_post's self-submitting form, or an error).
      if (!location) return { location: new URL(next), status: res.status, shown, body: await res.text(), csp: res.headers.get('content-security-policy') };
      const target = new URL(location, PUBLIC);
      const match = /^#\/oauth\/([A-Za-z0-9_-]+)$/.exec(target.hash);
      if (target.origin !== PUBLIC || !match?.[1]) return { location: target, status: res.status, shown };
      const interaction = this.client.oauthInteraction(match[1]);
      const details = await interaction.details();
      shown.push({ prompt: details.prompt, scopes: details.scopes, client: details.client.name, redirectUri: details.redirectUri });
      if (options.decline) {
        next = await interaction.abort();
        continue;
      }
      const vault = this.#vault ?? (await this.login(account));
      // As the web vault's page does: sign in, and show the consent screen when the application needs it.
      const signedIn = details.prompt === 'login' ? await interaction.signIn(vault.session) : null;
      if (signedIn === null) shown.push({ ...shown.at(-1)!, prompt: 'consent' });
      next = signedIn ?? (await interaction.consent(vault.session));
    }
    throw new Error('too many redirects');
  }
}
