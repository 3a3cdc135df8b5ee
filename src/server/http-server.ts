import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApollo } from './apollo.ts';
import { createGraphQLHandler, sendJson } from './graphql-http.ts';
import { attachWebSockets } from './websocket.ts';
import { graphiqlPage, graphiqlPageGzip, wantsHtml } from './graphiql.ts';
import { handleCors, setSecurityHeaders } from './http-hardening.ts';
import { createRequestPipeline, requestIdFrom } from './request-pipeline.ts';
import { loadSafelist } from './safelist.ts';
import type { ServerHost } from './server-host.ts';

export interface TesseraServer {
  /** Base URL, e.g. http://127.0.0.1:4000 */
  url: string;
  port: number;
  /** Stops accepting, finishes in-flight requests, closes websockets (1001), then stops the host. */
  stop(): Promise<void>;
}

/** HTTP and graphql-ws on one port: /graphql (API and IDE), /healthz, /readyz. */
export async function startServer(host: ServerHost, options: { port?: number; host?: string } = {}): Promise<TesseraServer> {
  // Slow clients (slowloris) are cut off: headers and whole requests have deadlines, checked often enough to matter.
  const httpServer = http.createServer({
    headersTimeout: host.config.headersTimeoutMs,
    requestTimeout: host.config.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, host.config.headersTimeoutMs),
  });
  const pipeline = createRequestPipeline(host, loadSafelist(host.config.safelistFile));
  const drainWebSockets = attachWebSockets(host, httpServer, pipeline);
  const apollo = createApollo(host, pipeline, httpServer, drainWebSockets);
  await apollo.start();
  const handleGraphQL = createGraphQLHandler(apollo, host, pipeline);
  const showIde = !host.config.production;

  httpServer.on('request', (req, res) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const showsIde =
      req.method === 'GET' && showIde && url.pathname === '/graphql' && wantsHtml(req.headers.accept) && !url.searchParams.has('query');
    setSecurityHeaders(res, showsIde);
    if (handleCors(req, res, host.config.corsOrigins)) return;
    const route = async () => {
      if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (url.pathname === '/readyz') {
        const readiness = await host.readiness();
        return sendJson(res, readiness.ready ? 200 : 503, { status: readiness.ready ? 'ready' : 'not ready', checks: readiness.checks });
      }
      if (url.pathname === '/graphql') {
        if (showsIde) {
          const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', vary: 'accept-encoding' };
          if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
            res.writeHead(200, { ...headers, 'content-encoding': 'gzip' });
            return void res.end(graphiqlPageGzip());
          }
          res.writeHead(200, headers);
          return void res.end(graphiqlPage());
        }
        return handleGraphQL(req, res, url, requestId);
      }
      if (url.pathname === '/') {
        res.writeHead(302, { location: '/graphql' });
        return void res.end();
      }
      sendJson(res, 404, { error: `No route ${url.pathname}: the API is at /graphql, health at /healthz and /readyz.` });
    };
    route().catch((error: unknown) => {
      host.logger.error({ err: error, requestId, path: url.pathname }, 'request failed');
      if (!res.headersSent)
        sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }] });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? host.config.port, options.host ?? host.config.host, () => resolve());
  });
  const address = httpServer.address() as AddressInfo;
  const shownHost = address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.address;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    stop() {
      stopping ??= (async () => {
        await apollo.stop();
        await host.stop();
      })();
      return stopping;
    },
  };
}
