import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Host } from '../cli/host.ts';
import type { RequestContext } from '../core/request-context.ts';
import { AuthError } from '../core/errors.ts';
import { checkBatch } from '../schema/limits/index.ts';
import { checkSource } from './request-guards.ts';
import type { Safelist } from './safelist.ts';
import { normalizeIp } from './rate-limit/index.ts';

/** Request bodies above this size are refused with 413. */
export const maxBodyBytes = 1_048_576;

/** Serves GraphQL over HTTP (POST JSON, GET for queries) through Apollo Server, without a web framework. */
export function createGraphQLHandler(apollo: ApolloServer<RequestContext>, host: Host, safelist: Safelist | undefined) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> => {
    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req, maxBodyBytes);
      if (raw === undefined)
        return sendJson(res, 413, { errors: [{ message: `Request body larger than ${maxBodyBytes} bytes.`, extensions: { code: 'BAD_REQUEST' } }] });
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
    // Sizes before anything parses the query: a huge document or variables cost nothing but this check.
    const operation = (req.method === 'POST' ? body : Object.fromEntries(url.searchParams)) as
      { query?: unknown; variables?: unknown; extensions?: unknown } | undefined;
    if (safelist && operation && typeof operation === 'object' && !Array.isArray(operation)) {
      const extensions = typeof operation.extensions === 'string' ? safeJson(operation.extensions) : operation.extensions;
      const resolved = safelist.resolve(operation.query, extensions);
      if ('error' in resolved) return sendJson(res, 400, { errors: [{ message: resolved.error.message, extensions: resolved.error.extensions }] });
      if (req.method === 'POST') operation.query = resolved.query;
      else url.searchParams.set('query', resolved.query);
    }
    if (operation && typeof operation === 'object' && typeof operation.query === 'string') {
      const tooBig = checkSource(host, operation.query, operation.variables);
      if (tooBig) return sendJson(res, 400, { errors: [{ message: tooBig.message, extensions: tooBig.extensions }] });
    }
    let identity;
    try {
      identity = await host.auth.authenticate({ authorization: req.headers.authorization, apiKey: headerValue(req.headers['x-api-key']) });
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      res.setHeader('www-authenticate', 'Bearer realm="tessera"');
      return sendJson(res, 401, { errors: [{ message: error.message, extensions: { code: error.code } }] });
    }
    const ip = req.socket.remoteAddress ? normalizeIp(req.socket.remoteAddress) : undefined;
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body },
      context: async () => host.createContext({ requestId, acceptLanguage: req.headers['accept-language'], identity, ip }),
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

/** Reads the body as UTF-8; undefined when it exceeds `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      if (!tooLarge) {
        tooLarge = true;
        req.pause();
        resolve(undefined);
      }
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
