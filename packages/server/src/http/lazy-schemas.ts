/**
 * Route schemas compiled on a route's first request instead of at start-up. Fastify compiles every route's
 * validator (Ajv) and serializer (fast-json-stringify) when the server starts; with ~100 routes that was about a
 * fifth of the start-up time and much of the idle memory, for routes most servers rarely see (admin, recovery,
 * WebAuthn). The compilers, and the Ajv options set in app.ts, are Fastify's own defaults; only the moment changes.
 * test/http/lazy-schemas.test.ts compiles every schema of every route, so a broken one still fails in CI rather than
 * on its first request in production.
 */
import ValidatorSelector from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type Validate = ((data: unknown) => unknown) & { errors?: unknown };

/** `compile` run once, on the first call of the returned getter; listed in `pending` until then. */
function deferred<T>(compile: () => T, pending: Set<() => void>): () => T {
  let real: T | undefined;
  const get = (): T => {
    if (real === undefined) {
      real = compile();
      pending.delete(get);
    }
    return real;
  };
  pending.add(get);
  return get;
}

/** A validator that compiles on its first call; Fastify reads `errors` off the function after a failed call. */
function lazyValidator(compile: () => Validate, pending: Set<() => void>): Validate {
  const get = deferred(compile, pending);
  const validate: Validate = (data) => {
    const compiled = get();
    const result = compiled(data);
    validate.errors = compiled.errors;
    return result;
  };
  return validate;
}

function lazySerializer(compile: () => (data: unknown) => string, pending: Set<() => void>): (data: unknown) => string {
  const get = deferred(compile, pending);
  return (data) => get()(data);
}

const buildValidator = ValidatorSelector();
const buildSerializer = SerializerSelector();

type RouteSchema = Parameters<ReturnType<typeof buildSerializer>>[0];

export interface LazySchemas {
  readonly controller: NonNullable<FastifyServerOptions['schemaController']>;
  /** Compiles every schema not compiled yet (tests: every route's schemas must compile); returns how many. */
  compileAll(): number;
}

/** One per app: the schema controller, and the schemas it has not compiled yet. */
export function lazySchemas(): LazySchemas {
  const pending = new Set<() => void>();
  const controller = {
    compilersFactory: {
      buildValidator(externalSchemas: unknown, ajvOptions: unknown) {
        const compiler = buildValidator(externalSchemas as never, ajvOptions as never) as unknown as (route: RouteSchema) => Validate;
        return (route: RouteSchema) => lazyValidator(() => compiler(route), pending);
      },
      buildSerializer(externalSchemas: unknown, serializerOptions: unknown) {
        const compiler = buildSerializer(externalSchemas as never, serializerOptions as never) as unknown as (route: RouteSchema) => (data: unknown) => string;
        return (route: RouteSchema) => lazySerializer(() => compiler(route), pending);
      },
    },
  } as unknown as NonNullable<FastifyServerOptions['schemaController']>;
  return {
    controller,
    compileAll() {
      const all = [...pending];
      for (const force of all) force();
      return all.length;
    },
  };
}
