import type { HandledUpstreamError } from './handler.js';

/**
 * The parts of Node's `http.ServerResponse` (the response under Express, Koa, Nest and Fastify's
 * `reply.raw`) that the adapters need. Core imports nothing from Node: these are plain calls on the
 * object the adapter hands in, so core stays Web-standard.
 */
export interface NodeResponseLike {
  readonly headersSent?: boolean;
  readonly writableEnded?: boolean;
  statusCode?: number;
  getHeader?(name: string): unknown;
  setHeader?(name: string, value: string): unknown;
  end?(chunk?: string): unknown;
  destroy?(error?: Error): unknown;
  /** Node's serialized header block, the only record of headers passed straight to `writeHead`. */
  readonly _header?: unknown;
}

/** Whether a response that already sent its headers is a Server-Sent Events stream. Never throws. */
export function isEventStream(res: NodeResponseLike): boolean {
  try {
    const declared = res.getHeader?.('content-type');
    if (typeof declared === 'string') return /^\s*text\/event-stream/i.test(declared);
    // writeHead(200, { 'content-type': … }) bypasses getHeader; the head that went out still has it.
    const head = res._header;
    return typeof head === 'string' && /^content-type:[ \t]*text\/event-stream/im.test(head);
  } catch {
    return false;
  }
}

/**
 * Ends a response whose status and headers are already out. A token stream gets one final
 * `event: error` with the problem, which SSE clients understand. Anything else is aborted rather
 * than ended cleanly: a clean end would present a truncated body (half a JSON document) as complete,
 * and with a declared Content-Length the client would wait for bytes that never come. Never throws.
 */
export function finishStartedResponse(res: NodeResponseLike, handled: HandledUpstreamError): void {
  try {
    if (res.writableEnded === true) return;
    if (isEventStream(res)) res.end?.(handled.sse);
    else if (typeof res.destroy === 'function') res.destroy();
    else res.end?.();
  } catch {
    // The socket is already gone: nothing is left to tell the client.
  }
}

/** Writes a handled error to a Node response that has not started: status, headers, exact bytes. */
export function sendProblem(res: NodeResponseLike, handled: HandledUpstreamError): void {
  res.statusCode = handled.status;
  for (const [name, value] of Object.entries(handled.headers)) res.setHeader?.(name, value);
  // Raw bytes, not a framework's send(): that would add a charset or an ETag and the frameworks
  // would stop answering alike.
  res.end?.(handled.body);
}
