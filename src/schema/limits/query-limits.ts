import { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';

/**
 * Bounds on what one GraphQL request may ask for, enforced alike over HTTP and graphql-ws. Each limit is a
 * cheap check that runs before any resolver: tokens before parsing, depth/aliases/directives during
 * validation, cost once the operation is known (it needs the variables).
 */
export interface QueryLimits {
  /** Longest chain of nested fields, through fragments (`{ item { name } }` has depth 2); introspection does not count. */
  maxDepth: number;
  /** Aliased fields in the operation, counting a fragment's aliases once per spread. */
  maxAliases: number;
  /** Lexical tokens (names, punctuation, values, comments) in the document. */
  maxTokens: number;
  /** Directive uses in the operation, counting a fragment's directives once per spread. */
  maxDirectives: number;
  /** Estimated fields resolved: 1 per field, times the size of every enclosing list (see operation-cost.ts). */
  maxCost: number;
  /** Operations in one batched HTTP request (a JSON array body). */
  maxBatch: number;
  /** Assumed size of a list whose size is not given by a `first`, `last` or `limit` argument. */
  defaultListSize: number;
  /** Size of the request's variables, as UTF-8 JSON. */
  maxVariablesBytes: number;
}

export const defaultQueryLimits: QueryLimits = {
  // The deepest query the project runs (vendors → nodes → sales → costs → currency → name) is 6: 12 leaves room and stops item → soldBy → vendor → sales → item… cycles.
  maxDepth: 12,
  // Aliases fetch a few variants side by side (say 10 items by hash): 30 leaves room and stops alias overload.
  maxAliases: 30,
  // The full introspection query has 184 tokens, the project's queries at most ~100: 3000 bounds parsing and validation (some rules are quadratic in repeated fields).
  maxTokens: 3000,
  // @include/@skip on a few fields is normal: 20 per operation is generous and stops directive overload.
  maxDirectives: 20,
  // The project's heaviest query (50 vendors × sales × costs, the game plugin's nested-list-costs-constant-sql test) costs ~515 000: it passes, a page of 500 over two nested lists (2.5 M) does not.
  maxCost: 1_000_000,
  // A batch coalesces a few queries of one client: 10 per request bounds the work one request can start.
  maxBatch: 10,
  // The server's default page size (defaultPageSize in ../pagination.ts), what a connection returns without first/last.
  defaultListSize: 50,
  // Variables are hashes, filters and cursors (well under 1 KiB): 64 KiB leaves room for long lists of hashes.
  maxVariablesBytes: 64 * 1024,
};

/** Environment variables of the query limits (variable → description), for the README. */
export const queryLimitsEnvironment: Record<string, string> = {
  TESSERA_MAX_DEPTH: `Deepest nesting of fields in a GraphQL operation, through fragments (default ${defaultQueryLimits.maxDepth})`,
  TESSERA_MAX_ALIASES: `Aliased fields per operation (default ${defaultQueryLimits.maxAliases})`,
  TESSERA_MAX_TOKENS: `Lexical tokens per GraphQL document, checked before parsing (default ${defaultQueryLimits.maxTokens})`,
  TESSERA_MAX_DIRECTIVES: `Directive uses per operation (default ${defaultQueryLimits.maxDirectives})`,
  TESSERA_MAX_COST: `Estimated fields an operation resolves: 1 per field, lists weighted by first/last/limit or ${defaultQueryLimits.defaultListSize} (default ${defaultQueryLimits.maxCost})`,
  TESSERA_MAX_BATCH: `Operations per batched HTTP request (default ${defaultQueryLimits.maxBatch})`,
  TESSERA_MAX_VARIABLES_BYTES: `Size of a request's variables as JSON, in bytes (default ${defaultQueryLimits.maxVariablesBytes})`,
};

/** Which limit each variable sets. */
const environmentKeys = {
  TESSERA_MAX_DEPTH: 'maxDepth',
  TESSERA_MAX_ALIASES: 'maxAliases',
  TESSERA_MAX_TOKENS: 'maxTokens',
  TESSERA_MAX_DIRECTIVES: 'maxDirectives',
  TESSERA_MAX_COST: 'maxCost',
  TESSERA_MAX_BATCH: 'maxBatch',
  TESSERA_MAX_VARIABLES_BYTES: 'maxVariablesBytes',
} as const satisfies Record<string, keyof QueryLimits>;

const positiveWholeNumber = z
  .string()
  .trim()
  .regex(/^\d+$/, { error: 'expected a positive whole number' })
  .transform(Number)
  .pipe(
    z
      .number()
      .int()
      .min(1, { error: 'expected a positive whole number (at least 1)' })
      .max(Number.MAX_SAFE_INTEGER, { error: 'expected a smaller number' }),
  );

const environmentSchema = z.object(
  Object.fromEntries(Object.keys(environmentKeys).map((name) => [name, positiveWholeNumber.optional()])) as Record<
    keyof typeof environmentKeys,
    z.ZodOptional<typeof positiveWholeNumber>
  >,
);

/** Reads the query limits from the environment over the defaults; empty strings count as unset. */
export function loadQueryLimits(env: NodeJS.ProcessEnv): QueryLimits {
  const input = Object.fromEntries(Object.keys(environmentKeys).map((name) => [name, env[name] === '' ? undefined : env[name]]));
  const parsed = environmentSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}=${JSON.stringify(env[String(issue.path[0])])}: ${issue.message}`);
    throw new ConfigError(
      `Invalid query limits: ${problems.join('; ')}. Set these variables to positive whole numbers, or unset them for the defaults.`,
    );
  }
  const limits: QueryLimits = { ...defaultQueryLimits };
  for (const [name, key] of Object.entries(environmentKeys)) {
    const value = parsed.data[name as keyof typeof environmentKeys];
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}
