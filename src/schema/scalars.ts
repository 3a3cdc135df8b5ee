import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/** An instant as an ISO-8601 string in UTC. Accepts Dates and ISO strings (pub/sub payloads carry strings). */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant, as an ISO-8601 string in UTC (e.g. 2026-11-22T10:00:00.000Z).',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError(`DateTime cannot represent ${String(value)}`);
    return date.toISOString();
  },
  parseValue(value) {
    return parseDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO-8601 string, e.g. "2026-11-22T10:00:00Z".');
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime()))
    throw new GraphQLError(`DateTime must be an ISO-8601 string, e.g. "2026-11-22T10:00:00Z"; got ${JSON.stringify(value)}.`);
  return date;
}

/** Arbitrary JSON, for free-form records such as per-entity run statistics. */
export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral(ast) {
    return literalToValue(ast);
  },
});

function literalToValue(ast: import('graphql').ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map(literalToValue);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((field) => [field.name.value, literalToValue(field.value)]));
    default:
      throw new GraphQLError('JSON literals cannot contain variables.');
  }
}
