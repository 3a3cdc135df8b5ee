import { isIPv4 } from 'node:net';

/** Who a request is counted against. `id` of an API key is its id, never the secret: subjects end up in Redis keys. */
export interface RateLimitIdentity {
  kind: 'key' | 'user' | 'anonymous';
  id: string;
}

/**
 * The rate limit subject of a request: `key:<id>` for an API key, `user:<id>` for a signed-in user, and
 * `ip:<address>` for anonymous clients (the identity's id is then ignored). IPv4-mapped IPv6 addresses
 * (`::ffff:1.2.3.4`, what a dual-stack socket reports for IPv4 clients) become `1.2.3.4`, so that one client is
 * one subject whichever way it connected; IPv6 addresses are lower-cased.
 */
export function rateLimitSubject(identity: RateLimitIdentity, ip: string): string {
  switch (identity.kind) {
    case 'key':
      return `key:${identity.id}`;
    case 'user':
      return `user:${identity.id}`;
    case 'anonymous':
      return `ip:${normalizeIp(ip)}`;
  }
}

export function normalizeIp(ip: string): string {
  const address = ip.trim().toLowerCase();
  if (!address) return 'unknown';
  const mapped = /^(?:::|(?:0{1,4}:){5})ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped?.[1] && isIPv4(mapped[1])) return mapped[1];
  return address;
}
