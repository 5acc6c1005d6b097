import type { ProviderId } from './types.js';

/** Bodies beyond this are cut: an error body is a few hundred bytes, a 10 MB one is hostile or a bug. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export interface UpstreamHttpErrorInit {
  readonly status: number;
  readonly headers?: Headers | Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body?: unknown;
  readonly message?: string;
  readonly provider?: ProviderId;
  readonly url?: string;
  readonly cause?: unknown;
}

export interface FromResponseOptions {
  readonly maxBodyBytes?: number;
  readonly provider?: ProviderId;
  readonly message?: string;
}

/**
 * An upstream HTTP error for code that calls APIs with `fetch` directly: throw it and four29
 * classifies it like an SDK error.
 */
export class UpstreamHttpError extends Error {
  override readonly name = 'UpstreamHttpError';
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly provider: ProviderId | undefined;
  readonly url: string | undefined;

  constructor(init: UpstreamHttpErrorInit) {
    super(init.message ?? `Upstream answered ${init.status}`, { cause: init.cause });
    this.status = init.status;
    this.headers = toHeaders(init.headers);
    this.body = init.body;
    this.provider = init.provider;
    // The URL can carry a key in its query (Gemini's `?key=`): keep only origin and path.
    this.url = init.url !== undefined ? stripQuery(init.url) : undefined;
  }

  /** Reads at most `maxBodyBytes` of the body (JSON when it parses, else text) and never throws on a bad body. */
  static async fromResponse(
    res: Response,
    options?: FromResponseOptions,
  ): Promise<UpstreamHttpError> {
    const requested = options?.maxBodyBytes;
    // Infinity or NaN would make the bound meaningless: fall back to the default.
    const max =
      typeof requested === 'number' && Number.isFinite(requested) && requested >= 0
        ? requested
        : DEFAULT_MAX_BODY_BYTES;
    const text = await readBounded(res, max);
    let body: unknown = text;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return new UpstreamHttpError({
      status: res.status,
      headers: res.headers,
      body,
      ...(res.url ? { url: res.url } : {}),
      ...(options?.provider !== undefined ? { provider: options.provider } : {}),
      ...(options?.message !== undefined ? { message: options.message } : {}),
    });
  }
}

/** Origin and path only: the query can carry a key (Gemini's `?key=`), the userinfo a password. */
function stripQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin === 'null' ? `${parsed.protocol}//${parsed.host}` : parsed.origin}${parsed.pathname}`;
  } catch {
    const cut = url.search(/[?#]/);
    const bare = cut === -1 ? url : url.slice(0, cut);
    return bare.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
  }
}

function toHeaders(input: UpstreamHttpErrorInit['headers']): Headers {
  const headers = new Headers();
  if (input === undefined || input === null) return headers;
  try {
    if (input instanceof Headers) return new Headers(input);
    for (const [key, value] of Object.entries(input)) {
      try {
        if (typeof value === 'string') headers.set(key, value);
        else if (Array.isArray(value)) headers.set(key, value.join(', '));
      } catch {
        // An invalid name or value (CR/LF) drops that header only, not the ones after it.
      }
    }
  } catch {
    // A hostile container (throwing Proxy) leaves whatever was copied.
  }
  return headers;
}

async function readBounded(res: Response, max: number): Promise<string> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const decoder = new TextDecoder();
  let out = '';
  let bytes = 0;
  try {
    if (res.body === null) return '';
    reader = res.body.getReader();
    while (bytes < max) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = value.byteLength + bytes > max ? value.subarray(0, max - bytes) : value;
      bytes += chunk.byteLength;
      out += decoder.decode(chunk, { stream: true });
    }
    out += decoder.decode();
  } catch {
    // A body that fails mid-read still gives us the status and headers.
  } finally {
    reader?.cancel().catch(() => {});
  }
  return out;
}
