import Type from 'typebox';

/** Every object schema rejects unknown properties (security spec: "reject unknown fields"). */
export const strict = { additionalProperties: false } as const;

/** A lower-case UUID, unanchored (for patterns that contain one). */
export const UUID_PATTERN = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

export const Uuid = Type.String({
  pattern: `^${UUID_PATTERN}$`,
  minLength: 36,
  maxLength: 36,
  description: 'Lower-case UUID',
});

/** A bounded base64url string (no padding). */
export const B64 = (maxLength: number, description?: string) =>
  Type.String({ pattern: '^[A-Za-z0-9_-]+$', minLength: 1, maxLength, ...(description ? { description } : {}) });

export const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$', description: 'E-mail address' });

/** Milliseconds since the epoch. */
export const Timestamp = Type.Integer({ minimum: 0 });

export const ErrorResponse = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String(),
        message: Type.String(),
        requestId: Type.Optional(Type.String()),
        details: Type.Optional(Type.Object({}, { additionalProperties: true })),
      },
      strict,
    ),
  },
  { ...strict, $id: 'ErrorResponse' },
);

export const OkResponse = Type.Object({ ok: Type.Literal(true) }, strict);

/** A body that must be an empty object (actions that take no input). */
export const EmptyBody = Type.Object({}, strict);
