import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { getVariableValues, type GraphQLFormattedError } from 'graphql';
import { servesOperation, stringifyResult } from '../schema/read/executor.ts';
import type { RequestContext } from '../core/request-context.ts';
import { checkBatch } from '../schema/limits/index.ts';
import { normalizeIp } from './rate-limit/index.ts';
import { RequestRefusal, type RequestPipeline } from './request-pipeline.ts';
import type { ServerHost } from './server-host.ts';

/** Request bodies above this size are refused with 413. */
export const maxBodyBytes = 1_048_576;

/**
 * Serves GraphQL over HTTP (POST JSON, GET for queries) through Apollo Server, without a web framework. What is
 * HTTP's own (body size, JSON, batches, headers) is done here; every request rule comes from the pipeline.
 */
export function createGraphQLHandler(apollo: ApolloServer<RequestContext>, host: ServerHost, pipeline: RequestPipeline) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> => {
    const started = process.hrtime.bigint();
    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req, maxBodyBytes);
      if (raw === undefined) {
        // The rest of the body is still coming: answer, then close the connection once it is read (refuseBody).
        res.setHeader('connection', 'close');
        return sendJson(res, 413, {
          errors: [{ message: `Request body larger than ${maxBodyBytes} bytes: send at most that much.`, extensions: { code: 'BAD_REQUEST' } }],
        });
      }
      const type = req.headers['content-type'] ?? '';
      if (type.includes('application/json') || type.includes('application/graphql-response+json')) {
        try {
          body = raw.length === 0 ? {} : JSON.parse(raw);
        } catch (error) {
          return sendJson(res, 400, {
            errors: [
              {
                message: `The request body is not valid JSON (${(error as Error).message}). Send {"query": "...", "variables": {...}}.`,
                extensions: { code: 'BAD_REQUEST' },
              },
            ],
          });
        }
      } else {
        body = raw;
      }
    }
    const batch = checkBatch(body, host.limits.maxBatch);
    if (batch) return sendJson(res, 400, { errors: [{ message: batch.message, extensions: batch.extensions }] });

    const ip = req.socket.remoteAddress ? normalizeIp(req.socket.remoteAddress) : undefined;
    const identity = await pipeline.authenticate(
      { authorization: req.headers.authorization, apiKey: headerValue(req.headers['x-api-key']) },
      { ip, requestId },
    );
    // Refused credentials are a client error (never masked), and there is no context yet to log with.
    if (identity instanceof RequestRefusal) return sendRefusal(res, identity.errors.map(pipeline.formatError), identity);
    const context = host.createContext({ requestId, acceptLanguage: req.headers['accept-language'], identity, ip });

    const operation = (req.method === 'POST' ? body : Object.fromEntries(url.searchParams)) as
      { query?: unknown; variables?: unknown; extensions?: unknown } | undefined;
    if (operation && typeof operation === 'object' && !Array.isArray(operation)) {
      const extensions = typeof operation.extensions === 'string' ? safeJson(operation.extensions) : operation.extensions;
      const source = pipeline.resolveSource({ query: operation.query, variables: operation.variables, extensions });
      if (source instanceof RequestRefusal) {
        const errors = pipeline.formatErrors(context, source.errors);
        pipeline.operationEnded(context, {
          transport: 'http',
          operation: undefined,
          errors,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        });
        return sendRefusal(res, errors, source);
      }
      if (source !== undefined && req.method === 'POST') operation.query = source;
      else if (source !== undefined) url.searchParams.set('query', source);
      if (req.method === 'POST' && source !== undefined && answersJson(req) && !hasPersistedQuery(extensions)) {
        const served = await serveRead(
          res,
          host,
          pipeline,
          context,
          { query: source, variables: operation.variables, operationName: (operation as { operationName?: unknown }).operationName },
          started,
        );
        if (served) return;
      }
    }

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body },
      context: async () => context,
    });
    res.statusCode = result.status ?? 200;
    for (const [key, value] of result.headers) res.setHeader(key, value);
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

/**
 * A query the read path serves, over HTTP without Apollo: the pipeline's own steps (parse and validation cached
 * per text, admission, execution, error formatting, the log line), as over graphql-ws. False when the operation
 * is anything else (a mutation, a parse or validation error, bad variables): Apollo answers those as always.
 */
async function serveRead(
  res: ServerResponse,
  host: ServerHost,
  pipeline: RequestPipeline,
  context: RequestContext,
  request: { query: string; variables: unknown; operationName: unknown },
  started: bigint,
): Promise<boolean> {
  const document = pipeline.parse(request.query);
  if (document instanceof RequestRefusal || pipeline.validate(document)) return false;
  const operationName = typeof request.operationName === 'string' ? request.operationName : undefined;
  const operation = pipeline.resolveOperation(document, operationName);
  if (operation instanceof RequestRefusal || !servesOperation(host.schema, document, operation)) return false;
  if (request.variables != null && (typeof request.variables !== 'object' || Array.isArray(request.variables))) return false;
  const variables = (request.variables ?? {}) as Record<string, unknown>;
  if (getVariableValues(host.schema, operation.variableDefinitions ?? [], variables).errors) return false;
  const ended = (errors: GraphQLFormattedError[]) =>
    pipeline.operationEnded(context, { transport: 'http', operation, errors, durationMs: Number(process.hrtime.bigint() - started) / 1e6 });

  const refused = await pipeline.admit(context, document, operationName, variables);
  if (refused) {
    const errors = pipeline.formatErrors(context, refused.errors);
    ended(errors);
    sendRefusal(res, errors, refused);
    return true;
  }
  const result = await host.execute(
    { document, variableValues: variables, contextValue: context, operationName: operationName ?? null },
    { rawJson: true },
  );
  const errors = result.errors?.length ? pipeline.formatErrors(context, result.errors, { operationName }) : [];
  ended(errors);
  const body = stringifyResult(errors.length ? { errors, data: result.data } : { data: result.data });
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return true;
}

/** Whether the client takes application/json, the media type this server answers with (Apollo picks it alike). */
function answersJson(req: IncomingMessage): boolean {
  if (!(req.headers['content-type'] ?? '').includes('application/json')) return false;
  const accept = req.headers.accept;
  return !accept || (!accept.includes('application/graphql-response+json') && (accept.includes('application/json') || accept.includes('*/*')));
}

function hasPersistedQuery(extensions: unknown): boolean {
  return typeof extensions === 'object' && extensions !== null && 'persistedQuery' in extensions;
}

function sendRefusal(res: ServerResponse, errors: readonly unknown[], refusal: RequestRefusal): void {
  for (const [name, value] of Object.entries(refusal.headers)) res.setHeader(name, value);
  sendJson(res, refusal.status, { errors });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The most of a refused body read and dropped before the connection is cut, and for how long. */
const drainBytes = 16 * 1_048_576;
const drainMs = 5_000;

/**
 * Reads the body as UTF-8; undefined when it exceeds `limit` bytes. The rest of a refused body is read and dropped
 * (up to `drainBytes`, for `drainMs`), so that the refusal reaches the client before the connection closes: a
 * socket closed with unread input is reset, and the client sees the reset instead of the answer.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (!tooLarge && size <= limit) return void chunks.push(chunk);
      if (!tooLarge) {
        tooLarge = true;
        chunks.length = 0;
        const timer = setTimeout(() => req.socket.destroy(), drainMs);
        timer.unref();
        req.once('end', () => clearTimeout(timer));
        resolve(undefined);
      }
      if (size > limit + drainBytes) req.socket.destroy();
    });
    req.on('end', () => {
      if (!tooLarge) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
