import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

let page: string | undefined;

/** The GraphiQL IDE page, bundled from an npm package (no CDN), talking HTTP and graphql-ws to `/graphql`. */
export function graphiqlPage(): string {
  page ??= renderGraphiQL({
    title: 'Tessera GraphQL',
    endpoint: '/graphql',
    subscriptionsProtocol: 'WS',
    defaultQuery: `# Tessera: one GraphQL API for every enabled plugin.
query FirstItems {
  items(first: 5, sort: { field: TIER, direction: DESC }) {
    totalCount
    nodes { hash name tierTypeName itemTypeDisplayName }
  }
}
`,
  });
  return page;
}

/** Browsers asking for HTML get the IDE; API clients get GraphQL. */
export function wantsHtml(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('text/html');
}
