import type { App } from './types.ts';

const NO_QUERY = { type: 'object', properties: {}, additionalProperties: false } as const;
/** No body, or an empty object: anything in it is an UNKNOWN_FIELD (a `role` added to any request is refused). */
const NO_BODY = { type: 'object', nullable: true, properties: {}, additionalProperties: false } as const;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Every route rejects what it did not declare: a route without a querystring schema accepts no query parameters
 * at all (so, e.g., `?access_token=` is refused outright instead of being silently ignored), and one that may carry a
 * body (POST, PUT, PATCH, DELETE) without a body schema accepts none, or `{}` — so extra fields such as `role` are
 * refused (UNKNOWN_FIELD) on every route instead of being silently ignored on some.
 */
export function registerStrictSchemas(app: App): void {
  app.addHook('onRoute', (route) => {
    if (route.schema?.hide) return;
    route.schema = { ...route.schema, querystring: route.schema?.querystring ?? NO_QUERY };
    if (route.schema.body === undefined && [route.method].flat().some((m) => BODY_METHODS.has(m))) route.schema.body = NO_BODY;
  });
}
