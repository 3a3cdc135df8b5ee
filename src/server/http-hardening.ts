import type { IncomingMessage, ServerResponse } from 'node:http';

const allowedHeaders = 'content-type, authorization, x-api-key, x-request-id, apollo-require-preflight, accept-language';

/** Headers every response carries: no sniffing, no framing, no referrer, no caching of API answers. */
export function setSecurityHeaders(res: ServerResponse, html: boolean): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  if (!html) {
    res.setHeader('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    res.setHeader('cache-control', 'no-store');
  }
}

/**
 * CORS from an allow-list: an allowed origin gets its own name back (never `*`, since requests carry credentials);
 * preflights from other origins are refused with 403. Returns true when the request was a preflight, answered.
 */
export function handleCors(req: IncomingMessage, res: ServerResponse, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  const allowed = origin !== undefined && allowedOrigins.includes(origin);
  if (allowed) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('access-control-expose-headers', 'x-request-id, retry-after, ratelimit-limit, ratelimit-remaining');
  }
  res.setHeader('vary', 'origin');
  if (req.method !== 'OPTIONS') return false;
  if (!allowed) {
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `Origin ${origin ?? '(none)'} is not allowed: add it to TESSERA_CORS_ORIGINS.` }));
    return true;
  }
  res.writeHead(204, {
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': allowedHeaders,
    'access-control-max-age': '600',
  });
  res.end();
  return true;
}
