import type { App } from './types.ts';

const NO_QUERY = { type: 'object', properties: {}, additionalProperties: false } as const;

/**
 * Every route rejects what it did not declare: a route without a querystring schema accepts no query parameters
 * at all (so, e.g., `?access_token=` is refused outright instead of being silently ignored).
 */
export function registerStrictSchemas(app: App): void {
  app.addHook('onRoute', (route) => {
    if (route.schema?.hide) return;
    route.schema = { ...route.schema, querystring: route.schema?.querystring ?? NO_QUERY };
  });
}
