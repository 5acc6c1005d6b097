/**
 * A request's token cost, estimated before it is sent: what a token budget must hold for it.
 * Roughly four characters per token for the prompt (OpenAI's rule of thumb for English; the
 * JSON framing makes it err high, the safe side) plus the completion the request asks for at most.
 */

// The output caps of OpenAI (max_tokens, max_completion_tokens, max_output_tokens), Anthropic
// (max_tokens), Gemini (maxOutputTokens) and Bedrock Converse (maxTokens).
const MAX_OUTPUT_RE =
  /"(?:max_tokens|max_completion_tokens|max_output_tokens|maxOutputTokens|maxTokens)"\s*:\s*(\d{1,9})/;

/** Bodies beyond this are not scanned for an output cap: the prompt alone decides. */
const SCAN_LIMIT = 64 * 1024;

function bodyText(body: unknown): { length: number; head: string } | undefined {
  if (typeof body === 'string') return { length: body.length, head: body };
  // Structural checks: a Buffer or a typed array from another realm is bytes all the same.
  if (ArrayBuffer.isView(body)) {
    const bytes = new Uint8Array(
      body.buffer,
      body.byteOffset,
      Math.min(body.byteLength, SCAN_LIMIT),
    );
    return { length: body.byteLength, head: new TextDecoder().decode(bytes) };
  }
  if (Object.prototype.toString.call(body) === '[object ArrayBuffer]') {
    return bodyText(new Uint8Array(body as ArrayBuffer));
  }
  return undefined;
}

/** Estimated tokens of a fetch call's body, 0 when it is not a string or bytes (a stream, a form). */
export function estimateTokens(init: RequestInit | undefined): number {
  let text: { length: number; head: string } | undefined;
  try {
    text = bodyText(init?.body);
  } catch {
    return 0;
  }
  if (text === undefined) return 0;
  const head = text.head.length > SCAN_LIMIT ? text.head.slice(0, SCAN_LIMIT) : text.head;
  const cap = MAX_OUTPUT_RE.exec(head);
  return Math.ceil(text.length / 4) + (cap !== null ? Number(cap[1]) : 0);
}
