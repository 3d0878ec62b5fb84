/**
 * The OpenAPI 3.1 document at `GET /api/openapi.json`, generated from the route schemas (design: "OpenAPI document
 * generated from the schemas and served"). Each route is recorded as it is declared; the document is built on its
 * first request and kept, since routes cannot change once the server is ready.
 *
 * Built here rather than with @fastify/swagger: that plugin and the YAML library it loads at start-up cost ~7 MB of
 * idle memory and ~40 ms of every start (docs/performance.md), to produce a JSON document that is a plain mapping:
 * - `:name` path segments become `{name}`; `params`, `querystring` and `headers` object schemas become `parameters`
 *   (a property's `description` moves up to the parameter, as OpenAPI shows it there);
 * - `body` becomes a JSON `requestBody`, required unless its schema admits `null`;
 * - each `response` status becomes a JSON response, described by its schema's `description`;
 * - `tags`, `summary`, `description` and `security` are copied; routes with `schema.hide` and Fastify's implicit
 *   HEAD routes are left out.
 * Schemas are JSON Schema 2020-12, the dialect of OpenAPI 3.1 (OAS 3.1 §4.8.24), with two rewrites: `$id` is dropped
 * (one schema, such as ErrorResponse, is inlined in many operations, and an `$id` may name only one), and Ajv's
 * `nullable: true` becomes a `type` that includes "null". test/http/openapi.test.ts validates the document against
 * the official OAS 3.1 schema.
 */
import type { FastifySchema, RouteOptions } from 'fastify';
import type { App } from './types.ts';

declare module 'fastify' {
  /** The documentation keywords a route schema may carry (OAS 3.1 §4.8.10 Operation Object). */
  interface FastifySchema {
    /** Left out of the OpenAPI document (the web vault's files, the document itself). */
    hide?: boolean;
    tags?: readonly string[];
    summary?: string;
    description?: string;
    /** Security requirements (OAS 3.1 §4.8.30), naming the schemes in `components.securitySchemes`. */
    security?: readonly Readonly<Record<string, readonly string[]>>[];
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface RecordedRoute {
  readonly method: string;
  readonly url: string;
  readonly schema: FastifySchema;
}

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keywords whose value maps names to schemas (JSON Schema 2020-12 §10.3.2, §8.2.4): the names are data. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions']);
/** Keywords whose value is data, not a schema: copied as they are. */
const LITERALS = new Set(['const', 'enum', 'default', 'examples', 'required', 'dependentRequired']);

/** Plain JSON data (own enumerable keys; TypeBox's `~kind` markers are not). */
const jsonCopy = (value: unknown): Json => JSON.parse(JSON.stringify(value)) as Json;

/**
 * A route schema as plain JSON Schema: own enumerable keys only, `$id` dropped, `nullable: true` folded into `type`.
 * Only keywords are rewritten: a property that happens to be called `nullable` or `$id` is kept.
 */
export function toJsonSchema(value: unknown): Json {
  if (Array.isArray(value)) return value.map(toJsonSchema);
  if (!isObject(value)) return jsonCopy(value ?? null);
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === '$id' || key === 'nullable' || typeof child === 'function' || child === undefined) continue;
    if (LITERALS.has(key)) out[key] = jsonCopy(child);
    else if (SCHEMA_MAPS.has(key) && isObject(child)) out[key] = Object.fromEntries(Object.entries(child).map(([name, schema]) => [name, toJsonSchema(schema)]));
    else out[key] = toJsonSchema(child);
  }
  if (value.nullable === true && out.type !== undefined) {
    const types = [out.type].flat();
    if (!types.includes('null')) out.type = [...types, 'null'];
  }
  return out;
}

function parameters(schema: unknown, location: 'path' | 'query' | 'header'): JsonObject[] {
  if (!isObject(schema) || !isObject(schema.properties)) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  return Object.entries(schema.properties).map(([name, property]) => {
    const { description, ...rest } = toJsonSchema(property) as JsonObject;
    return {
      schema: rest,
      in: location,
      name,
      required: location === 'path' || required.has(name),
      ...(description === undefined ? {} : { description }),
    };
  });
}

function admitsNull(schema: Json): boolean {
  return isObject(schema) && [schema.type].flat().includes('null');
}

function operation(schema: RecordedRoute['schema']): JsonObject {
  const op: JsonObject = {};
  for (const key of ['tags', 'summary', 'description'] as const) if (schema[key] !== undefined) op[key] = jsonCopy(schema[key]);
  if (schema.body !== undefined) {
    const body = toJsonSchema(schema.body);
    op.requestBody = { required: !admitsNull(body), content: { 'application/json': { schema: body } } };
  }
  const params = [...parameters(schema.params, 'path'), ...parameters(schema.querystring, 'query'), ...parameters(schema.headers, 'header')];
  if (params.length > 0) op.parameters = params;
  if (schema.security !== undefined) op.security = jsonCopy(schema.security);
  const responses: JsonObject = {};
  for (const [status, response] of Object.entries(isObject(schema.response) ? schema.response : {})) {
    const body = toJsonSchema(response);
    const description = isObject(body) && typeof body.description === 'string' ? body.description : 'Default Response';
    responses[status] = { description, content: { 'application/json': { schema: body } } };
  }
  op.responses = Object.keys(responses).length > 0 ? responses : { 200: { description: 'Default Response' } };
  return op;
}

/** `/api/v1/items/:id` → `/api/v1/items/{id}` (OAS 3.1 §4.8.8.1 path templating). */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function openApiDocument(routes: readonly RecordedRoute[], info: OpenApiInfo): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) (paths[openApiPath(route.url)] ??= {})[route.method] = operation(route.schema);
  return {
    openapi: '3.1.0',
    info: { ...info },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
}

/**
 * Records every route declared after this call (register it before the route modules) and serves the document.
 * The document itself is a public route in the `read` volume class, hidden from itself.
 */
export function registerOpenApi(app: App, info: OpenApiInfo): void {
  const routes: RecordedRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema;
    if (schema === undefined || schema.hide === true) return;
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method: method.toLowerCase(), url: route.url, schema });
    }
  });
  let document: string | undefined;
  app.get('/api/openapi.json', { config: { permission: 'public', rateLimit: 'read' }, schema: { hide: true } }, async (_request, reply) => {
    document ??= JSON.stringify(openApiDocument(routes, info));
    return reply.type('application/json; charset=utf-8').send(document);
  });
}
