/**
 * Route schemas compiled on a route's first request instead of at start-up. Fastify compiles every route's
 * validator (Ajv) and serializer (fast-json-stringify) when the server starts; with ~100 routes that was about a
 * fifth of the start-up time and much of the idle memory, for routes most servers rarely see (admin, recovery,
 * WebAuthn). The compilers, and the Ajv options set in app.ts, are Fastify's own defaults; only the moment changes.
 * Every route is exercised by the test suite (test/http/permission-matrix.test.ts), so a broken schema still fails
 * there rather than in production.
 */
import ValidatorSelector from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type Validate = ((data: unknown) => unknown) & { errors?: unknown };

/** A validator that compiles on its first call; Fastify reads `errors` off the function after a failed call. */
function lazyValidator(compile: () => Validate, pending: Set<() => void>): Validate {
  let real: Validate | undefined;
  const force = () => {
    real ??= compile();
    pending.delete(force);
  };
  pending.add(force);
  const validate: Validate = (data) => {
    if (real === undefined) force();
    const compiled = real as Validate;
    const result = compiled(data);
    validate.errors = compiled.errors;
    return result;
  };
  return validate;
}

function lazySerializer(compile: () => (data: unknown) => string, pending: Set<() => void>): (data: unknown) => string {
  let real: ((data: unknown) => string) | undefined;
  const force = () => {
    real ??= compile();
    pending.delete(force);
  };
  pending.add(force);
  return (data) => {
    if (real === undefined) force();
    return (real as (data: unknown) => string)(data);
  };
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
