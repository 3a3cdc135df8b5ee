import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { defaultSampleDir } from '../../config.ts';

export interface ScriptedResponse {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/**
 * A local stand-in for Bungie.net: serves the sample manifest at Bungie's paths
 * (/Platform/Destiny2/Manifest/ and /common/destiny2_content/json/...). Tests script faults per path: the
 * scripted responses are served first, in order, then the real file.
 */
export class FakeBungie {
  readonly requests: { path: string; apiKey: string | undefined }[] = [];
  private readonly scripts = new Map<string, ScriptedResponse[]>();
  private readonly overrides = new Map<string, string>();
  private server: http.Server | undefined;
  url = '';

  constructor(private readonly sampleDir = defaultSampleDir) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Serves `responses` (in order) for requests whose path contains `pathPart`, before the real content. */
  script(pathPart: string, ...responses: ScriptedResponse[]): void {
    this.scripts.set(pathPart, [...(this.scripts.get(pathPart) ?? []), ...responses]);
  }

  /** Serves `body` instead of the real file for every request whose path contains `pathPart`. */
  override(pathPart: string, body: string): void {
    this.overrides.set(pathPart, body);
  }

  /** The path of a definition file in the sample manifest. */
  async definitionPath(lang: string, definition: string): Promise<string> {
    const manifest = JSON.parse(await fs.readFile(path.join(this.sampleDir, 'manifest.json'), 'utf8')) as {
      Response: { jsonWorldComponentContentPaths: Record<string, Record<string, string>> };
    };
    return manifest.Response.jsonWorldComponentContentPaths[lang]?.[definition] as string;
  }

  countRequests(pathPart: string): number {
    return this.requests.filter((request) => request.path.includes(pathPart)).length;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const apiKey = req.headers['x-api-key'];
    this.requests.push({ path: url.pathname, apiKey: typeof apiKey === 'string' ? apiKey : undefined });
    for (const [part, queue] of this.scripts) {
      if (url.pathname.includes(part) && queue.length > 0) {
        const next = queue.shift() as ScriptedResponse;
        res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
        res.end(next.body ?? '');
        return;
      }
    }
    for (const [part, body] of this.overrides) {
      if (url.pathname.includes(part)) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
        return;
      }
    }
    const file = url.pathname === '/Platform/Destiny2/Manifest/' ? 'manifest.json' : url.pathname.replace(/^\/+/, '');
    try {
      const body = await fs.readFile(path.join(this.sampleDir, file));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ErrorCode: 7, ErrorStatus: 'NotFound', Message: 'not found', ThrottleSeconds: 0 }));
    }
  }
}

/** A Bungie Platform error envelope (which Bungie often sends with HTTP 200). */
export function bungieError(code: number, status: string, message: string, throttleSeconds = 0): string {
  return JSON.stringify({
    Response: null,
    ErrorCode: code,
    ThrottleSeconds: throttleSeconds,
    ErrorStatus: status,
    Message: message,
    MessageData: {},
  });
}
