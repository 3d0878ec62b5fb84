import type { Static, TSchema } from 'typebox';
import type { Permission, ScopedPermission } from '../permissions.ts';

/**
 * A route descriptor: the one HTTP contract between the server and the SDK. The server registers each route from its
 * descriptor (method, path, schemas, permission, volume-limit class); the SDK calls each through it; the OpenAPI
 * document is generated from the same schemas. A route that exists on one side only fails the typecheck (the SDK
 * can only name descriptors) or the server's route-coverage test (every descriptor registered, nothing else).
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/**
 * The permission a route needs (deny by default): `public` (no authentication), one `resource:action` permission
 * from the closed list in permissions.ts, or a permission scoped to the organisation or shared vault the route names
 * (`org:*`, `vault:*`; decided by the caller's role or access there).
 */
export type RoutePermission = 'public' | Permission | ScopedPermission;

/**
 * The route's volume-limit class: auth ≪ write < read; `none` is for the health probes and the web vault's
 * content-hashed static files only (constant work from memory).
 */
export type RateClass = 'auth' | 'write' | 'read' | 'none';

export interface RouteSpec {
  readonly method: HttpMethod;
  /** Fastify path syntax: `/api/v1/items/:id`. */
  readonly path: string;
  readonly permission: RoutePermission;
  readonly rateLimit: RateClass;
  /** OpenAPI tags. */
  readonly tags: readonly string[];
  readonly params?: TSchema;
  readonly query?: TSchema;
  readonly body?: TSchema;
  /** Every status the route answers with, and its body's schema; exactly one 2xx. */
  readonly response: { readonly [status: number]: TSchema };
}

/** Keeps the literal types of a descriptor (its schemas, method and path) for both sides to infer from. */
export function defineRoute<const R extends RouteSpec>(spec: R): R {
  return spec;
}

type SchemaOf<R, K extends string> = R extends { readonly [P in K]: infer S extends TSchema } ? S : undefined;

/** The schema of the route's successful answer. */
export type SuccessSchema<R extends RouteSpec> = R['response'] extends { readonly 200: infer S extends TSchema }
  ? S
  : R['response'] extends { readonly 201: infer S extends TSchema }
    ? S
    : R['response'] extends { readonly 202: infer S extends TSchema }
      ? S
      : undefined;

type StaticOr<S, Otherwise> = S extends TSchema ? Static<S> : Otherwise;

export type RouteParams<R extends RouteSpec> = StaticOr<SchemaOf<R, 'params'>, undefined>;
export type RouteQuery<R extends RouteSpec> = StaticOr<SchemaOf<R, 'query'>, undefined>;
export type RouteBody<R extends RouteSpec> = StaticOr<SchemaOf<R, 'body'>, undefined>;
export type RouteResult<R extends RouteSpec> = StaticOr<SuccessSchema<R>, void>;

/** What a caller passes: exactly the parts the route has (`params`, `query`, `body`). */
export type RouteInput<R extends RouteSpec> = (SchemaOf<R, 'params'> extends TSchema ? { params: RouteParams<R> } : { params?: never }) &
  (SchemaOf<R, 'query'> extends TSchema ? { query?: RouteQuery<R> } : { query?: never }) &
  (SchemaOf<R, 'body'> extends TSchema ? { body: RouteBody<R> } : { body?: never });

/** The success status of a route (the one 2xx in its responses). */
export function successStatus(spec: RouteSpec): number {
  const status = Object.keys(spec.response).map(Number).find((s) => s >= 200 && s < 300);
  if (status === undefined) throw new Error(`route ${spec.method} ${spec.path} declares no 2xx answer`);
  return status;
}

/** The concrete path for `params`, each value percent-encoded (`/api/v1/items/:id` → `/api/v1/items/3f…`). */
export function routePath(spec: RouteSpec, params?: Record<string, string>): string {
  return spec.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`route ${spec.method} ${spec.path}: missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}
