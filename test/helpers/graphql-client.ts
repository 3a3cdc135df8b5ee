import type { TesseraServer } from '../../src/server/http-server.ts';

export interface GraphQLResponse<T> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: { message: string; extensions?: Record<string, unknown>; path?: unknown[] }[] };
}

/** POSTs a GraphQL operation to a test server. */
export async function graphql<T = Record<string, unknown>>(
  server: TesseraServer,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<T>['body'] };
}

/** Like graphql() but fails the test on any GraphQL error, returning data. */
export async function query<T = Record<string, unknown>>(
  server: TesseraServer,
  text: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await graphql<T>(server, text, variables, headers);
  if (response.body.errors?.length || !response.body.data) {
    throw new Error(`GraphQL errors: ${JSON.stringify(response.body.errors)}`);
  }
  return response.body.data;
}
