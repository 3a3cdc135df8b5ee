import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const maxHash = 4_294_967_295n;

/**
 * Bungie definition hashes are unsigned 32-bit integers, which GraphQL's Int (signed 32-bit) cannot hold.
 * They travel as JSON numbers (exact up to 2^53) and are accepted as numbers or decimal strings.
 */
export const BungieHashScalar = new GraphQLScalarType<bigint, number>({
  name: 'BungieHash',
  description: 'An unsigned 32-bit Bungie.net definition hash (0 to 4294967295), as a JSON number; input also accepts a decimal string.',
  serialize(value) {
    if (typeof value === 'bigint') return Number(value);
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
    throw new GraphQLError(`BungieHash cannot represent ${String(value)}`);
  },
  parseValue(value) {
    return parseHash(value);
  },
  parseLiteral(ast) {
    if (ast.kind === Kind.INT || ast.kind === Kind.STRING) return parseHash(ast.value);
    throw new GraphQLError('BungieHash must be an integer or a decimal string, e.g. 3159615086.');
  },
});

export function parseHash(value: unknown): bigint {
  const text = typeof value === 'number' || typeof value === 'bigint' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^\d{1,10}$/.test(text) || BigInt(text) > maxHash) {
    throw new GraphQLError(`Invalid BungieHash ${JSON.stringify(value)}: expected an integer from 0 to ${maxHash}, e.g. 3159615086.`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return BigInt(text);
}
