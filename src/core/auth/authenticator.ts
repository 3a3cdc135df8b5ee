import type { PrismaClient } from '../database/database.ts';
import type { Logger } from '../logger.ts';
import { AuthError, ErrorCode } from '../errors.ts';
import type { AuthConfig } from './auth-config.ts';
import { anonymousIdentity, type Identity } from './identity.ts';
import { looksLikeApiKey, verifyApiKey } from './api-keys.ts';
import { createJwtVerifier, type JwtVerifier } from './jwt.ts';

/** Credentials as a request carries them: the Authorization header and/or an X-API-Key header. */
export interface Credentials {
  authorization?: string | undefined;
  apiKey?: string | undefined;
}

/**
 * Turns credentials into an identity: none → anonymous (with the configured role, or refused when that is
 * `none`); an API key or a bearer JWT → its identity; anything invalid → UNAUTHENTICATED, with a message that
 * says what to send, never why a given key failed (that goes to the log).
 */
export class Authenticator {
  private constructor(
    private readonly config: AuthConfig,
    private readonly prisma: PrismaClient,
    private readonly verifyJwt: JwtVerifier,
    private readonly logger: Logger,
  ) {}

  static async create(config: AuthConfig, prisma: PrismaClient, logger: Logger): Promise<Authenticator> {
    return new Authenticator(config, prisma, await createJwtVerifier(config.jwt), logger);
  }

  get anonymousAllowed(): boolean {
    return this.config.anonymousRoles.length > 0;
  }

  async authenticate(credentials: Credentials): Promise<Identity> {
    // A header that is sent is meant: an empty one or another scheme is refused, never served as anonymous.
    if (credentials.authorization !== undefined && !bearerToken(credentials.authorization)) {
      throw new AuthError(
        ErrorCode.UNAUTHENTICATED,
        'The Authorization header is empty or not of the form "Bearer <API key or JWT>": send the credential after "Bearer ", or leave the header out.',
      );
    }
    if (credentials.apiKey !== undefined && !credentials.apiKey.trim()) {
      throw new AuthError(ErrorCode.UNAUTHENTICATED, 'The X-API-Key header is empty: send an API key in it, or leave the header out.');
    }
    const token = bearerToken(credentials.authorization) ?? credentials.apiKey?.trim();
    if (!token) {
      if (!this.anonymousAllowed) {
        throw new AuthError(
          ErrorCode.UNAUTHENTICATED,
          'This API needs credentials: send Authorization: Bearer <API key or JWT>, or X-API-Key: <API key>.',
        );
      }
      return anonymousIdentity(this.config.anonymousRoles);
    }
    const { identity, reason } = looksLikeApiKey(token) ? await verifyApiKey(this.prisma, token) : await this.verifyJwt(token);
    if (!identity) {
      this.logger.info({ reason, credential: looksLikeApiKey(token) ? 'api key' : 'jwt' }, 'credentials refused');
      throw new AuthError(
        ErrorCode.UNAUTHENTICATED,
        'The credentials were refused (unknown, revoked or expired key, or an invalid token): get a new API key from an admin or a fresh token.',
      );
    }
    return identity;
  }
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(?:Bearer|ApiKey)\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
