import { randomUUID } from 'node:crypto';
import {
  GraphQLError,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import type { Credentials } from '../core/auth/authenticator.ts';
import { anonymousIdentity, type Identity } from '../core/auth/identity.ts';
import { AuthError } from '../core/errors.ts';
import type { RequestContext } from '../core/request-context.ts';
import { checkTokenLimit, checkVariablesSize, costError, operationCost } from '../schema/limits/index.ts';
import { formatOperationError, internalErrorCode, withRequestId } from './operation-errors.ts';
import { RateLimitRuleName, rateLimitAmounts, rateLimitedError, rateLimitHeaders, rateLimitSubject, retryAfterHeader } from './rate-limit/index.ts';
import { requestRules } from './request-rules.ts';
import type { Safelist } from './safelist.ts';
import type { ServerHost } from './server-host.ts';

export type Transport = 'http' | 'graphql-ws';

const requestIdPattern = /^[\w.:-]{1,128}$/;
const documentCacheSize = 1_000;
const maxBlockedAddresses = 100_000;

/** The client's X-Request-Id when it is safe to log and echo, else a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && requestIdPattern.test(header) ? header : randomUUID();
}

/**
 * An operation the pipeline will not run: the errors to answer with and, for HTTP, the status and headers they
 * deserve (graphql-ws sends the errors alone, or closes the socket when credentials are refused).
 */
export class RequestRefusal {
  constructor(
    readonly errors: readonly GraphQLError[],
    readonly status: number,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}

  /** The code of the first error, e.g. UNAUTHENTICATED or RATE_LIMITED. */
  get code(): string {
    return String(this.errors[0]?.extensions.code ?? 'BAD_REQUEST');
  }
}

/** An operation as a transport received it, before anything is trusted. */
export interface OperationSource {
  query?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

/** How an operation ended, for its log line and, for a mutation, its audit row. */
export interface OperationOutcome {
  transport: Transport;
  /** Undefined when the operation was refused before it was known (size, parse, validation). */
  operation: OperationDefinitionNode | undefined;
  /** As the client received them. */
  errors: readonly GraphQLFormattedError[];
  durationMs: number;
}

/**
 * The request rules, defined once and applied by both transports, in this order: authenticate → resolve the
 * document (safelist) and check its size → parse → validate (one rule list) → cost and rate limit → execute →
 * format errors (mask, log once) → audit mutations and log the operation. graphql-ws, and HTTP for queries the
 * read path serves, call these steps themselves; for the rest of HTTP (mutations, GET, APQ, invalid documents)
 * Apollo parses and validates with `validationRules`/`validationOptions` from here. Parsed documents and their
 * validation are cached by text. Each step returns a RequestRefusal instead of throwing for a client's mistake.
 */
export interface RequestPipeline {
  /** Rules after graphql's specifiedRules. */
  readonly validationRules: readonly ValidationRule[];
  readonly validationOptions: { hideSuggestions: boolean };
  authenticate(credentials: Credentials, origin: { ip: string | undefined; requestId?: string }): Promise<Identity | RequestRefusal>;
  /** The text to run (from the safelist when there is one), checked for size; undefined when none was sent (an APQ hash alone). */
  resolveSource(source: OperationSource): string | undefined | RequestRefusal;
  parse(text: string): DocumentNode | RequestRefusal;
  validate(document: DocumentNode): RequestRefusal | undefined;
  /** The operation to run; Apollo resolves it alike over HTTP (same code, same message). */
  resolveOperation(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | RequestRefusal;
  /** Cost limit, then the caller's rate limits by requests and by cost. */
  admit(
    context: RequestContext,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | null | undefined,
  ): Promise<RequestRefusal | undefined>;
  /** The client's view of one error (no request id: see formatErrors). */
  formatError(error: unknown): GraphQLFormattedError;
  /** Logs each internal error once, with the operation's context. */
  reportErrors(context: RequestContext, errors: readonly unknown[], details?: Record<string, unknown>): void;
  /** Adds the request id to masked errors. */
  finishErrors(context: RequestContext, formatted: readonly GraphQLFormattedError[]): GraphQLFormattedError[];
  /** reportErrors, formatError and finishErrors in one, for transports that format themselves. */
  formatErrors(context: RequestContext, errors: readonly unknown[], details?: Record<string, unknown>): GraphQLFormattedError[];
  /** Audits a mutation and logs one line per operation. */
  operationEnded(context: RequestContext, outcome: OperationOutcome): void;
}

export function createRequestPipeline(host: ServerHost, safelist: Safelist | undefined): RequestPipeline {
  const rules = requestRules({ introspection: host.config.introspection, limits: host.limits });
  const allRules = [...specifiedRules, ...rules.validationRules];
  const validationOptions = { hideSuggestions: rules.hideSuggestions };
  const badRequest = (errors: readonly GraphQLError[]) => new RequestRefusal(errors, 400);
  const formatError = (error: unknown) => formatOperationError(error, rules.hideSuggestions);
  // Parsed documents by text, as Apollo keeps them over HTTP: the same AST per query, so compiled read plans
  // (cached by AST node) are reused over graphql-ws too.
  const documents = new Map<string, DocumentNode>();
  const validated = new WeakMap<DocumentNode, RequestRefusal | undefined>();
  const validateOnce = (document: DocumentNode): RequestRefusal | undefined => {
    const errors = validate(host.schema, document, allRules, validationOptions);
    if (errors.length === 0) return undefined;
    // Coded as Apollo codes them over HTTP; a query-limit error keeps its own code through originalError.
    return badRequest(
      errors.map(
        (error) =>
          new GraphQLError(error.message, {
            nodes: error.nodes,
            originalError: error.originalError ?? error,
            extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
          }),
      ),
    );
  };
  // Addresses refused for too many refused credentials, until when (this instance's memory of the shared count).
  const blockedUntil = new Map<string, number>();
  const authRateLimited = (retryAfterMs: number) => {
    const decision = { allowed: false, limit: 0, remaining: 0, retryAfterMs, rule: RateLimitRuleName.failedAuthentications };
    return new RequestRefusal([rateLimitedError(decision, { reason: 'Too many refused credentials from this address.' })], 429, {
      'retry-after': retryAfterHeader(decision),
    });
  };
  const pipeline: RequestPipeline = {
    validationRules: rules.validationRules,
    validationOptions,

    async authenticate(credentials, origin) {
      // An address past its refused-credentials limit is not heard: no credential check, no audit row.
      const subject = `auth:${origin.ip ?? 'unknown'}`;
      const blocked = blockedUntil.get(subject);
      if (blocked !== undefined && blocked > Date.now()) return authRateLimited(blocked - Date.now());
      try {
        return await host.auth.authenticate(credentials);
      } catch (error) {
        if (!(error instanceof AuthError)) throw error;
        const decision = await host.rateLimiter.consume(subject, { [RateLimitRuleName.failedAuthentications]: 1 });
        if (!decision.allowed) {
          blockedUntil.set(subject, Date.now() + decision.retryAfterMs);
          if (blockedUntil.size > maxBlockedAddresses) blockedUntil.delete(blockedUntil.keys().next().value as string);
          return authRateLimited(decision.retryAfterMs);
        }
        const given = Boolean(credentials.authorization || credentials.apiKey);
        host.audit.record({
          identity: anonymousIdentity([]),
          action: given ? 'credentials refused' : 'credentials missing',
          outcome: 'denied',
          ip: origin.ip,
          requestId: origin.requestId,
        });
        const refusal = new GraphQLError(error.message, { originalError: error, extensions: { code: error.code } });
        return new RequestRefusal([refusal], 401, { 'www-authenticate': 'Bearer realm="tessera"' });
      }
    },

    resolveSource({ query, variables, extensions }) {
      let text = typeof query === 'string' && query !== '' ? query : undefined;
      if (safelist) {
        const resolved = safelist.resolve(text, extensions);
        if ('error' in resolved) return badRequest([resolved.error]);
        text = resolved.query;
      }
      // Sizes before anything parses the query: a huge document or variables cost nothing but this check.
      const tooBig =
        (text === undefined ? undefined : checkTokenLimit(text, host.limits.maxTokens)) ??
        checkVariablesSize(variables, host.limits.maxVariablesBytes);
      return tooBig ? badRequest([tooBig]) : text;
    },

    parse(text) {
      const known = documents.get(text);
      if (known) {
        // Most recently used last: the oldest is the first one out.
        documents.delete(text);
        documents.set(text, known);
        return known;
      }
      try {
        const document = parse(text);
        documents.set(text, document);
        if (documents.size > documentCacheSize) documents.delete(documents.keys().next().value as string);
        return document;
      } catch (error) {
        const syntax = error instanceof GraphQLError ? error : new GraphQLError(String(error));
        return badRequest([
          new GraphQLError(syntax.message, {
            source: syntax.source,
            positions: syntax.positions,
            originalError: syntax,
            extensions: { ...syntax.extensions, code: 'GRAPHQL_PARSE_FAILED' },
          }),
        ]);
      }
    },

    validate(document) {
      // A document's validity depends on it and the schema only: checked once per parsed document.
      if (validated.has(document)) return validated.get(document);
      const refusal = validateOnce(document);
      validated.set(document, refusal);
      return refusal;
    },

    resolveOperation(document, operationName) {
      const operation = getOperationAST(document, operationName);
      if (operation) return operation;
      const message = operationName
        ? `Unknown operation named "${operationName}".`
        : 'Must provide operation name if query contains multiple operations.';
      return badRequest([new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })]);
    },

    async admit(context, document, operationName, variables) {
      // One walk of the document: the cost is both checked and charged to the rate limit.
      const cost = operationCost(host.schema, document, operationName, variables, host.limits);
      const tooCostly = costError(cost, host.limits);
      if (tooCostly) return badRequest([tooCostly]);
      const subject = rateLimitSubject(context.identity, context.ip ?? 'unknown');
      const decision = await host.rateLimiter.consume(subject, rateLimitAmounts(context.identity.kind, { cost }));
      if (decision.allowed) return undefined;
      return new RequestRefusal([rateLimitedError(decision)], 429, rateLimitHeaders(decision));
    },

    formatError,

    reportErrors(context, errors, details = {}) {
      for (const error of errors) {
        if (formatError(error).extensions?.code !== internalErrorCode) continue;
        const cause = error instanceof GraphQLError ? (error.originalError ?? error) : error;
        context.logger.error({ err: cause, path: error instanceof GraphQLError ? error.path : undefined, ...details }, 'operation failed');
      }
    },

    finishErrors(context, formatted) {
      return formatted.map((error) => withRequestId(error, context.requestId));
    },

    formatErrors(context, errors, details) {
      pipeline.reportErrors(context, errors, details);
      return pipeline.finishErrors(context, errors.map(formatError));
    },

    operationEnded(context, outcome) {
      const { operation, errors } = outcome;
      if (operation?.operation === 'mutation') auditMutation(host, context, operation, errors);
      context.logger.info(
        {
          transport: outcome.transport,
          operationName: operation?.name?.value ?? null,
          operation: operation?.operation,
          durationMs: outcome.durationMs,
          errors: errors.length,
        },
        'graphql operation',
      );
    },
  };
  return pipeline;
}

/** Every mutation goes to the audit log with who, from where and how it ended (its arguments are not kept). */
function auditMutation(
  host: ServerHost,
  context: RequestContext,
  operation: OperationDefinitionNode,
  errors: readonly GraphQLFormattedError[],
): void {
  const fields = operation.selectionSet.selections.flatMap((selection) => (selection.kind === 'Field' ? [selection.name.value] : []));
  const denied = errors.some((error) => error.extensions?.code === 'FORBIDDEN' || error.extensions?.code === 'UNAUTHENTICATED');
  host.audit.record({
    identity: context.identity,
    action: `mutation ${fields.join(', ')}`,
    outcome: denied ? 'denied' : errors.length > 0 ? 'failed' : 'allowed',
    ip: context.ip,
    requestId: context.requestId,
    details: { operationName: operation.name?.value ?? null, errors: errors.map((error) => error.extensions?.code ?? 'ERROR') },
  });
}
