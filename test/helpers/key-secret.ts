/** The secret part of an API key `tsk_<12-char lookup>_<secret>`: all of it, since a base64url secret may hold `_`. */
export function keySecret(key: string): string {
  const secret = /^tsk_[A-Za-z0-9]{12}_(.+)$/.exec(key)?.[1];
  if (!secret) throw new Error(`not an API key: ${key}`);
  return secret;
}
