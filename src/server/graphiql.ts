import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import type { renderGraphiQL as RenderGraphiQL } from '@graphql-yoga/render-graphiql';

// The IDE's bundle is a 10 MB string in a 17 MB module: it is loaded for the first request of the page, not at
// start-up, where it would keep some 80 MB resident in every server whether or not anyone opens the IDE.
const require = createRequire(import.meta.url);

let page: string | undefined;
let gzipped: Buffer | undefined;

/** The GraphiQL IDE page, bundled from an npm package (no CDN), talking HTTP and graphql-ws to `/graphql`. */
export function graphiqlPage(): string {
  if (page !== undefined) return page;
  const { renderGraphiQL } = require('@graphql-yoga/render-graphiql') as { renderGraphiQL: typeof RenderGraphiQL };
  page = renderGraphiQL({
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

/** The page gzipped once (it bundles the whole IDE: about 9 MB, 2 MB compressed). */
export function graphiqlPageGzip(): Buffer {
  gzipped ??= gzipSync(graphiqlPage());
  return gzipped;
}

/** Browsers asking for HTML get the IDE; API clients get GraphQL. */
export function wantsHtml(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('text/html');
}
