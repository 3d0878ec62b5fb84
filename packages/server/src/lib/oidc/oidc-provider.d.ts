/**
 * The part of oidc-provider's API Watchword uses (the package ships JavaScript only). Kept minimal and loose where
 * the provider's own objects are passed straight back to it.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface KoaContextWithOIDC {
    req: IncomingMessage;
    res: ServerResponse;
    body: unknown;
    type: string;
    status: number;
    host: string;
    set(name: string, value: string): void;
    response: { get(name: string): string };
    oidc: {
      client?: ClientInstance;
      session?: { accountId?: string; grantIdFor(clientId: string): string | undefined };
      result?: { consent?: { grantId?: string } };
      params?: Record<string, unknown>;
      route?: string;
      /** The authorization's response mode (`query`, `form_post`, …), from its parameters. */
      responseMode?: string;
      provider: Provider;
      entities: Record<string, unknown>;
    };
  }

  export interface ClientInstance {
    clientId: string;
    clientName?: string;
    clientAuthMethod: string;
    grantTypeAllowed(type: string): boolean;
    redirectUriAllowed(uri: string): boolean;
    metadata(): Record<string, unknown>;
    compareClientSecret(actual: string): Promise<boolean>;
  }

  export interface GrantInstance {
    accountId: string;
    clientId: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(ttl?: number): Promise<string>;
  }

  export interface InteractionInstance {
    uid: string;
    jti: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown>;
    session?: { accountId?: string; uid?: string };
    grantId?: string;
    lastSubmission?: Record<string, unknown>;
  }

  export interface AccessTokenInstance {
    client?: ClientInstance;
    clientId: string;
    accountId?: string;
    grantId?: string;
  }

  export class OIDCProviderError extends Error {
    constructor(status: number, message: string);
    status: number;
    statusCode: number;
    expose: boolean;
    error: string;
    error_description?: string;
  }

  export const errors: {
    OIDCProviderError: typeof OIDCProviderError;
    InvalidClientAuth: new (description: string, detail?: string) => OIDCProviderError;
    InvalidTarget: new (description?: string) => OIDCProviderError;
    AccessDenied: new (description?: string) => OIDCProviderError;
  };

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    static get ctx(): KoaContextWithOIDC | undefined;
    issuer: string;
    proxy: boolean;
    Client: { prototype: ClientInstance; find(id: string): Promise<ClientInstance | undefined> };
    Grant: { new (init: { accountId: string; clientId: string }): GrantInstance; find(id: string): Promise<GrantInstance | undefined> };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionInstance>;
    interactionResult(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<string>;
    on(event: string, listener: (...args: unknown[]) => void): this;
    /** Koa middleware around every provider request. */
    use(middleware: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>): this;
  }

  export default Provider;
}
