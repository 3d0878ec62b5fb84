/**
 * Registers a route from its descriptor in @watchword/protocol (the one HTTP contract): method, path, schemas,
 * permission and volume-limit class come from the descriptor; the module adds its handler and, where a route needs
 * one, a hook or a body limit. The OpenAPI document is generated from the same schemas (http/openapi.ts).
 */
import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { RouteBody, RouteParams, RouteQuery, RouteResult, RouteSpec } from '@watchword/protocol';
import type { App } from './types.ts';

export type RouteRequest<R extends RouteSpec> = FastifyRequest<{ Body: RouteBody<R>; Querystring: RouteQuery<R>; Params: RouteParams<R> }>;

/** A handler answers with the route's success body, or sends through `reply` (another status, a header). */
export type RouteHandler<R extends RouteSpec> = (request: RouteRequest<R>, reply: FastifyReply) => Promise<RouteResult<R> | FastifyReply>;

/** What a module may add to a descriptor: hooks and a body limit; never a path, schema or permission. */
export type RouteExtras = Pick<RouteShorthandOptions, 'bodyLimit' | 'onRequest' | 'preHandler' | 'onError'>;


export function route<R extends RouteSpec>(app: App, spec: R, handler: RouteHandler<R>): void;
export function route<R extends RouteSpec>(app: App, spec: R, extras: RouteExtras, handler: RouteHandler<R>): void;
export function route<R extends RouteSpec>(app: App, spec: R, a: RouteExtras | RouteHandler<R>, b?: RouteHandler<R>): void {
  const [extras, handler] = typeof a === 'function' ? [{}, a] : [a, b as RouteHandler<R>];
  app.route({
    ...extras,
    method: spec.method,
    url: spec.path,
    config: { permission: spec.permission, rateLimit: spec.rateLimit },
    schema: {
      tags: [...spec.tags],
      ...(spec.permission === 'public' ? {} : { security: [{ bearer: [] }] }),
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.query ? { querystring: spec.query } : {}),
      ...(spec.body ? { body: spec.body } : {}),
      response: spec.response,
    },
    handler: handler as never,
  });
}
