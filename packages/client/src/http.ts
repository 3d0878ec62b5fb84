import {
  type ErrorBody,
  type RouteInput,
  type RouteResult,
  type RouteSpec,
  WatchwordError,
  createDpopProof,
  isErrorCode,
  routePath,
  successStatus,
} from '@watchword/protocol';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  /** Access token for the Authorization header (never put in the URL). */
  token?: string;
  /** Sign a DPoP proof (RFC 9449) with this key; the token is then sent with the DPoP scheme. */
  dpopKey?: CryptoKeyPair;
  /** 'text': a successful answer's body is returned as it is (exports), not parsed as JSON. */
  responseType?: 'json' | 'text';
}

/** The credentials of an authenticated call (Session adds them). */
export type CallAuth = Pick<RequestOptions, 'token' | 'dpopKey'>;

/** A text answer (an export) is returned as it is; anything else is JSON. */
function responseTypeOf(spec: RouteSpec): 'json' | 'text' {
  return (spec.response[successStatus(spec)] as { type?: unknown }).type === 'string' ? 'text' : 'json';
}

/** JSON over HTTP with errors mapped onto the shared catalogue. */
export class HttpClient {
  readonly baseUrl: string;
  readonly #fetch: FetchLike;
  /** The latest server-issued DPoP nonce (RFC 9449 §8), sent in every proof once known. */
  #dpopNonce: string | undefined;

  constructor(baseUrl: string, fetchImpl: FetchLike = (input, init) => globalThis.fetch(input, init)) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new WatchwordError('VALIDATION_FAILED', { message: `invalid server URL: ${baseUrl}` });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WatchwordError('VALIDATION_FAILED', { message: 'the server URL must be http(s)' });
    this.baseUrl = url.toString().replace(/\/+$/, '');
    this.#fetch = fetchImpl;
  }

  /** Calls one route of the API through its descriptor (the one HTTP contract, @watchword/protocol routes/). */
  call<R extends RouteSpec>(spec: R, input: RouteInput<R>, auth: CallAuth = {}): Promise<RouteResult<R>> {
    const { params, query, body } = input as { params?: Record<string, string>; query?: RequestOptions['query']; body?: unknown };
    return this.#request<RouteResult<R>>(spec.method, routePath(spec, params), {
      ...auth,
      ...(query !== undefined ? { query } : {}),
      ...(body !== undefined ? { body } : {}),
      responseType: responseTypeOf(spec),
    });
  }

  async #request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    try {
      return await this.#send<T>(method, path, options);
    } catch (error) {
      // RFC 9449 §8: the server wants a nonce in the proof; it sent one, so retry once with it.
      if (options.dpopKey && error instanceof WatchwordError && error.code === 'USE_DPOP_NONCE' && typeof error.details?.dpopNonce === 'string') {
        this.#dpopNonce = error.details.dpopNonce;
        return this.#send<T>(method, path, options);
      }
      throw error;
    }
  }

  async #send<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    const headers: Record<string, string> = { accept: options.responseType === 'text' ? '*/*' : 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.dpopKey) {
      headers.dpop = await createDpopProof(options.dpopKey, {
        htm: method,
        htu: `${this.baseUrl}${path}`,
        ...(options.token ? { accessToken: options.token } : {}),
        ...(this.#dpopNonce ? { nonce: this.#dpopNonce } : {}),
      });
    }
    if (options.token) headers.authorization = `${options.dpopKey ? 'DPoP' : 'Bearer'} ${options.token}`;
    let response: Response;
    try {
      response = await this.#fetch(`${this.baseUrl}${path}${qs ? `?${qs}` : ''}`, {
        method,
        headers,
        // Never followed: a redirect would resend the body (a refresh token, a login message) to wherever it points.
        redirect: 'manual',
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
    } catch (cause) {
      throw new WatchwordError('SERVICE_UNAVAILABLE', { message: `cannot reach the server at ${this.baseUrl}`, cause });
    }
    if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
      const location = response.headers.get('location');
      throw new WatchwordError('SERVICE_UNAVAILABLE', {
        message: `the server at ${this.baseUrl} answered with a redirect${location ? ` to ${location}` : ''}: use the address it names (https?)`,
      });
    }
    const nonce = response.headers.get('dpop-nonce');
    if (nonce) this.#dpopNonce = nonce;
    const text = await response.text();
    if (response.ok && options.responseType === 'text') return text as T;
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as ErrorBody | undefined)?.error;
      if (error && isErrorCode(error.code)) throw new WatchwordError(error.code, { ...(error.details ? { details: error.details } : {}) });
      throw new WatchwordError(response.status >= 500 ? 'SERVICE_UNAVAILABLE' : 'VALIDATION_FAILED', {
        message: `unexpected answer from the server (HTTP ${response.status})`,
      });
    }
    return parsed as T;
  }
}
