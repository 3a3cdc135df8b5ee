import { z } from 'zod';
import { ErrorCode, UpstreamError, fetchJson, type Logger, type RetryPolicy } from 'tessera';

/** Bungie.net PlatformErrorCodes that mean "slow down": retry after ThrottleSeconds. */
const throttleCodes = new Set([31, 35, 36, 37, 51, 1672]);
const keyCodes: Record<number, string> = { 2101: 'invalid or expired', 2102: 'missing' };
const systemDisabled = 5;

const envelopeSchema = z.object({
  ErrorCode: z.number().int(),
  ThrottleSeconds: z.number().optional(),
  ErrorStatus: z.string().optional(),
  Message: z.string().optional(),
});

export const manifestSchema = z.object({
  version: z.string().min(1, { error: 'Response.version is empty' }),
  jsonWorldComponentContentPaths: z.record(z.string(), z.record(z.string(), z.string().startsWith('/', { error: 'paths start with /' }))),
});
export type DestinyManifest = z.infer<typeof manifestSchema>;

const manifestEnvelopeSchema = envelopeSchema.extend({ Response: manifestSchema });

/** Reads a Platform envelope's ErrorCode: success, a retryable throttle, or a failure with Bungie's message. */
export function checkBungieEnvelope(body: unknown, status: number): UpstreamError | undefined {
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) return undefined;
  const { ErrorCode: code, ThrottleSeconds: throttleSeconds = 0, ErrorStatus: errorStatus = '', Message: message = '' } = envelope.data;
  if (code === 1) return undefined;
  const described = `Bungie.net ErrorCode ${code} ${errorStatus}: ${message}`.trim();
  if (keyCodes[code]) {
    return new UpstreamError(
      ErrorCode.INGEST_UPSTREAM_AUTH,
      `${described}. The API key is ${keyCodes[code]}: set BUNGIE_API_KEY to a key from https://www.bungie.net/en/Application (or unset it to load the sample manifest).`,
      { status, details: { bungieErrorCode: code } },
    );
  }
  if (throttleCodes.has(code)) {
    return new UpstreamError(ErrorCode.INGEST_UPSTREAM_THROTTLED, described, {
      retryable: true,
      retryAfterMs: throttleSeconds * 1000,
      status,
      details: { bungieErrorCode: code },
    });
  }
  if (code === systemDisabled) {
    return new UpstreamError(ErrorCode.INGEST_UPSTREAM_UNAVAILABLE, `${described} (Bungie.net is down for maintenance)`, {
      retryable: true,
      retryAfterMs: throttleSeconds * 1000,
      status,
      details: { bungieErrorCode: code },
    });
  }
  return new UpstreamError(ErrorCode.INGEST_UPSTREAM_ERROR, described, { status, details: { bungieErrorCode: code } });
}

export interface BungieClientOptions {
  baseUrl: string;
  apiKey: string;
  policy: RetryPolicy;
  logger: Logger;
  signal?: AbortSignal;
}

/** The Bungie.net endpoints the manifest job uses. */
export class BungieClient {
  constructor(private readonly options: BungieClientOptions) {}

  /** GET /Platform/Destiny2/Manifest/ — the manifest version and the paths of its definition files. */
  async manifest(): Promise<DestinyManifest> {
    const { body } = await fetchJson(this.url('/Platform/Destiny2/Manifest/'), {
      ...this.requestOptions('Bungie.net manifest'),
      checkBody: checkBungieEnvelope,
      checkStatus: (status, body) => checkBungieEnvelope(body, status) ?? authStatus(status),
    });
    const parsed = manifestEnvelopeSchema.safeParse(body);
    if (!parsed.success) {
      throw new UpstreamError(ErrorCode.INGEST_PAYLOAD_INVALID, `Bungie.net manifest has an unexpected shape: ${z.prettifyError(parsed.error)}`);
    }
    return parsed.data.Response;
  }

  /** GET a definition file (a JSON object keyed by hash) from its manifest path. */
  async definitionFile(path: string, label: string): Promise<unknown> {
    const { body } = await fetchJson(this.url(path), { ...this.requestOptions(label), checkStatus: authStatus });
    return body;
  }

  private url(path: string): string {
    return new URL(path, this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`).toString();
  }

  private requestOptions(label: string) {
    return {
      headers: { 'X-API-Key': this.options.apiKey },
      policy: this.options.policy,
      logger: this.options.logger,
      label,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    };
  }
}

function authStatus(status: number): UpstreamError | undefined {
  if (status !== 401 && status !== 403) return undefined;
  return new UpstreamError(
    ErrorCode.INGEST_UPSTREAM_AUTH,
    `Bungie.net refused the request (HTTP ${status}): check BUNGIE_API_KEY (keys come from https://www.bungie.net/en/Application).`,
    { status },
  );
}
