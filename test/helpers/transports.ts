import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import type { TesseraServer } from '../../src/server/http-server.ts';
import { graphql } from './graphql-client.ts';

export type TransportName = 'http' | 'graphql-ws';

export interface Operation {
  query: string;
  variables?: Record<string, unknown>;
}

/** What one operation got back, in the same shape whichever transport carried it. */
export interface Outcome {
  transport: TransportName;
  data: unknown;
  errors: { message: string; extensions?: Record<string, unknown> }[];
  /** HTTP only. */
  status?: number;
  headers?: Headers;
  /** graphql-ws only: the server closed the connection instead of answering. */
  closed?: { code: number; reason: string };
}

/** Runs one operation as the holder of `apiKey` (anonymous without one). */
export type Runner = (server: TesseraServer, operation: Operation, apiKey?: string) => Promise<Outcome>;

export const overHttp: Runner = async (server, operation, apiKey) => {
  const response = await graphql(server, operation.query, operation.variables ?? {}, apiKey ? { authorization: `Bearer ${apiKey}` } : {});
  return { transport: 'http', data: response.body.data, errors: response.body.errors ?? [], status: response.status, headers: response.headers };
};

/** One connection per operation (credentials belong to a connection), closed once the operation ends. */
export const overGraphqlWs: Runner = (server, operation, apiKey) =>
  new Promise<Outcome>((resolve, reject) => {
    let data: unknown;
    const errors: Outcome['errors'] = [];
    const timer = setTimeout(() => reject(new Error(`no outcome over graphql-ws for ${operation.query.slice(0, 80)}`)), 15_000);
    const client = createClient({
      url: `${server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      lazy: true,
      retryAttempts: 0,
    });
    const settle = (outcome: Omit<Outcome, 'transport'>) => {
      clearTimeout(timer);
      void client.dispose();
      resolve({ transport: 'graphql-ws', ...outcome });
    };
    client.subscribe(operation, {
      next: (result) => {
        data = result.data;
        errors.push(...((result.errors ?? []) as Outcome['errors']));
      },
      error: (error) => {
        if (Array.isArray(error)) return settle({ data, errors: [...errors, ...(error as Outcome['errors'])] });
        const event = error as { code?: number; reason?: string };
        if (typeof event.code === 'number') return settle({ data, errors, closed: { code: event.code, reason: event.reason ?? '' } });
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
      },
      complete: () => settle({ data, errors }),
    });
  });

export const transports: [TransportName, Runner][] = [
  ['http', overHttp],
  ['graphql-ws', overGraphqlWs],
];

/** The error codes of an outcome; a connection closed by graphql-ws gives its reason (the refusal's code). */
export function codesOf(outcome: Outcome): unknown[] {
  if (outcome.closed) return [outcome.closed.reason];
  return outcome.errors.map((error) => error.extensions?.code);
}
