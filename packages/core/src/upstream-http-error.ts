import { normalizeHeaders } from './classify/headers.js';
import type { ProviderId } from './types.js';
import { withoutQuery } from './url.js';

/** Bodies beyond this are cut: an error body is a few hundred bytes, a 10 MB one is hostile or a bug. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export interface UpstreamHttpErrorInit {
  readonly status: number;
  /**
   * Response headers in any container the classifier reads: a `Headers` from any fetch
   * implementation or realm (node-fetch, undici from npm, a vm context), a `Map`, or a plain object
   * in any letter case with string, number or array values (Node's `IncomingHttpHeaders`, axios).
   * Invalid names and values are dropped.
   */
  readonly headers?:
    | Headers
    | ReadonlyMap<string, string | number | readonly string[]>
    | { entries(): Iterator<readonly [string, string]> }
    | Readonly<Record<string, string | number | readonly string[] | undefined>>
    | undefined;
  readonly body?: unknown;
  readonly message?: string | undefined;
  readonly provider?: ProviderId | undefined;
  readonly url?: string | undefined;
  readonly cause?: unknown;
}

/**
 * What `fromResponse` reads: a fetch `Response` from any implementation (the global one, undici,
 * node-fetch, whose body is a Node stream) or a stub with `text()`.
 */
export interface UpstreamResponseLike {
  readonly status: number;
  readonly url?: string | undefined;
  readonly headers?: UpstreamHttpErrorInit['headers'];
  readonly body?: unknown;
  text?(): Promise<string>;
}

export interface FromResponseOptions {
  readonly maxBodyBytes?: number | undefined;
  readonly provider?: ProviderId | undefined;
  readonly message?: string | undefined;
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
    super(
      init.message ?? `Upstream answered ${init.status}`,
      init.cause !== undefined ? { cause: init.cause } : undefined,
    );
    this.status = init.status;
    this.headers = toHeaders(init.headers);
    this.body = init.body;
    this.provider = init.provider;
    // The URL can carry a key in its query (Gemini's `?key=`): keep only origin and path.
    this.url = init.url !== undefined ? withoutQuery(init.url) : undefined;
  }

  /** Reads at most `maxBodyBytes` of the body (JSON when it parses, else text) and never throws on a bad body. */
  static async fromResponse(
    res: Response | UpstreamResponseLike,
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

/**
 * The classifier's own header reader, so the error holds exactly what classify would read from the
 * container: `instanceof Headers` misses node-fetch's, npm undici's and another realm's `Headers`.
 */
function toHeaders(input: unknown): Headers {
  const headers = new Headers();
  for (const [name, value] of normalizeHeaders(input)) {
    try {
      headers.set(name, value);
    } catch {
      // An invalid name or value (CR/LF) drops that header only, not the ones after it.
    }
  }
  return headers;
}

const encoder = /* @__PURE__ */ new TextEncoder();

/** Adds `chunk` (bytes or text) to the decoded text, up to `max` bytes in all; false when full. */
class BoundedText {
  private readonly decoder = new TextDecoder();
  private bytes = 0;
  text = '';

  constructor(private readonly max: number) {}

  add(chunk: unknown): boolean {
    // Structural, not instanceof: a Node Buffer or another realm's Uint8Array is bytes too.
    const bytes = ArrayBuffer.isView(chunk)
      ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      : typeof chunk === 'string'
        ? encoder.encode(chunk)
        : undefined;
    if (bytes !== undefined && this.bytes < this.max) {
      const part =
        bytes.byteLength + this.bytes > this.max ? bytes.subarray(0, this.max - this.bytes) : bytes;
      this.bytes += part.byteLength;
      this.text += this.decoder.decode(part, { stream: true });
    }
    return this.bytes < this.max;
  }

  end(): string {
    try {
      this.text += this.decoder.decode();
    } catch {
      // Nothing pending to flush.
    }
    return this.text;
  }
}

/**
 * At most `max` bytes of the body, whatever the fetch implementation: a web `ReadableStream`, an
 * async-iterable Node stream (node-fetch), or only `text()` (a stub), which is read whole and cut.
 * Never throws: a body that fails mid-read keeps what arrived.
 */
async function readBounded(res: Response | UpstreamResponseLike, max: number): Promise<string> {
  const out = new BoundedText(max);
  let body: unknown;
  try {
    body = res.body;
  } catch {
    return '';
  }
  if (typeof body === 'object' && body !== null) {
    const getReader = (body as { getReader?: unknown }).getReader;
    if (typeof getReader === 'function') return readStream(body as ReadableStream<unknown>, out);
    const iterate = (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator];
    if (typeof iterate === 'function') return readIterable(body as AsyncIterable<unknown>, out);
  }
  try {
    if (typeof res.text === 'function') out.add(await res.text());
  } catch {
    // An unreadable body still gives us the status and headers.
  }
  return out.end();
}

async function readStream(body: ReadableStream<unknown>, out: BoundedText): Promise<string> {
  let reader: ReadableStreamDefaultReader<unknown> | undefined;
  try {
    reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done || !out.add(value)) break;
    }
  } catch {
    // A body that fails mid-read still gives us the status and headers.
  } finally {
    reader?.cancel().catch(() => {});
  }
  return out.end();
}

async function readIterable(body: AsyncIterable<unknown>, out: BoundedText): Promise<string> {
  try {
    // Leaving the loop early calls the iterator's return(), which destroys a Node stream.
    for await (const chunk of body) if (!out.add(chunk)) break;
  } catch {
    // As above.
  }
  return out.end();
}
