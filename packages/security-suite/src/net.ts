import { once } from 'node:events';
import type { Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { Duplex } from 'node:stream';

/** A response as the server wrote it, byte for byte, plus its parsed parts. */
export interface RawResponse {
  /** Everything the server wrote: status line, header block, body (chunk framing included). */
  readonly raw: Buffer;
  readonly status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, chunked transfer coding removed. */
  readonly body: string;
}

/** What one request produced: a whole response, or why there was none. */
export type Outcome =
  | ({ readonly kind: 'response' } & RawResponse)
  | { readonly kind: 'failed'; readonly error: string };

export interface RequestInit {
  readonly method?: 'GET' | 'POST';
  /** Sent as written: may hold anything a client could put on the wire. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string;
  /** Give up after this long: a hung response is a finding, not a hung test run. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function listen(server: Server): Promise<string> {
  if (!server.listening) await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/**
 * Whether `raw` holds one whole response: by content-length, or up to the last chunk. A server may
 * keep the connection open despite `connection: close` (Hono's streamSSE sets keep-alive itself).
 */
function isComplete(raw: Buffer): boolean {
  const split = raw.indexOf('\r\n\r\n');
  if (split === -1) return false;
  const head = raw.subarray(0, split).toString('latin1').toLowerCase();
  const length = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (length?.[1] !== undefined) return raw.length - split - 4 >= Number(length[1]);
  if (/\r\ntransfer-encoding:[^\r]*chunked/.test(head)) {
    return raw.subarray(raw.length - 5).toString('latin1') === '0\r\n\r\n';
  }
  return false;
}

/** Parses what a server wrote for one request. */
export function parseResponse(raw: Buffer): RawResponse {
  const split = raw.indexOf('\r\n\r\n');
  if (split === -1) {
    throw new Error(`connection closed without a complete response head (${raw.length} bytes)`);
  }
  const [statusLine = '', ...lines] = raw.subarray(0, split).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const rest = raw.subarray(split + 4);
  const content = headers['transfer-encoding']?.includes('chunked') ? dechunk(rest) : rest;
  return { raw, status: Number(statusLine.split(' ')[1]), headers, body: content.toString('utf8') };
}

function requestBytes(host: string, path: string, init: RequestInit): string {
  const body = init.body ?? '';
  const lines = [`${init.method ?? 'GET'} ${path} HTTP/1.1`, `host: ${host}`];
  for (const [name, value] of init.headers ?? []) lines.push(`${name}: ${value}`);
  lines.push('connection: close');
  if (init.method === 'POST' || body.length > 0) {
    lines.push(`content-length: ${Buffer.byteLength(body)}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** Collects what the server writes until it ends the exchange, or fails after the timeout. */
function collect(
  start: (chunks: Buffer[], done: () => void, fail: (err: Error) => void) => () => void,
  path: string,
  timeoutMs: number,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    let abort: () => void = () => {};
    const timer = setTimeout(() => {
      fail(new Error(`no complete response to ${path} within ${timeoutMs} ms`));
      abort();
    }, timeoutMs);
    function fail(err: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    }
    function done(): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (err) {
        reject(err);
      }
    }
    abort = start(chunks, done, fail);
  });
}

/**
 * One HTTP/1.1 request over a fresh TCP connection to 127.0.0.1 with `connection: close`, reading
 * every byte until the server closes. fetch would hide the status line, header block and chunk
 * framing, and those bytes are exactly what a leak check has to search.
 */
export function rawRequest(
  url: string,
  path: string,
  init: RequestInit = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return collect(
    (chunks, done, fail) => {
      const socket = connect(Number(port), hostname);
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (isComplete(Buffer.concat(chunks))) {
          done();
          socket.destroy();
        }
      });
      socket.on('error', fail);
      socket.on('close', done);
      socket.write(requestBytes(`${hostname}:${port}`, path, init));
      return () => socket.destroy();
    },
    path,
    init.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  );
}

/**
 * The same exchange without a socket: the request bytes go into the app's real `http.Server` over
 * an in-memory stream, so Node's own parser, IncomingMessage and ServerResponse and the
 * framework's whole request path run exactly as over TCP, only without the kernel round trips.
 * This is what lets properties drive thousands of requests through every framework.
 */
export function injectRequest(
  server: Server,
  path: string,
  init: RequestInit = {},
): Promise<RawResponse> {
  return collect(
    (chunks, done) => {
      const socket = new Duplex({
        read() {},
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(Buffer.from(chunk));
          callback();
          if (isComplete(Buffer.concat(chunks))) {
            done();
            socket.destroy();
          }
        },
      });
      // What Node's HTTP server and the frameworks read from a net.Socket.
      Object.assign(socket, {
        remoteAddress: '127.0.0.1',
        remotePort: 40_000,
        remoteFamily: 'IPv4',
        localAddress: '127.0.0.1',
        localPort: 80,
        setTimeout: () => socket,
        setNoDelay: () => socket,
        setKeepAlive: () => socket,
      });
      socket.on('finish', done);
      socket.on('close', done);
      server.emit('connection', socket);
      socket.push(requestBytes('127.0.0.1', path, init));
      return () => socket.destroy();
    },
    path,
    init.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  );
}

/** A request's outcome: the response, or the failure as a value (for comparing two apps). */
export async function outcome(request: Promise<RawResponse>): Promise<Outcome> {
  try {
    return { kind: 'response', ...(await request) };
  } catch (err) {
    return { kind: 'failed', error: err instanceof Error ? err.message : String(err) };
  }
}
