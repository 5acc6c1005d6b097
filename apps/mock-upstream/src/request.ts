import type { Endpoint } from './route.js';

/** The synthetic answer. One piece = one token = one stream delta, so usage is exact. */
export const REPLY = 'Hello! This is a synthetic reply from the four29 mock upstream.';
export const REPLY_PIECES: readonly string[] = REPLY.split(/(?=\s)/);

export interface ParsedRequest {
  readonly model: string;
  readonly stream: boolean;
  /** Pieces of REPLY this request gets, after `max_tokens`. */
  readonly pieces: readonly string[];
  /** True when `max_tokens` cut the reply short. */
  readonly truncated: boolean;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** The completion the request asked for at most: its `max_tokens`, else the whole reply. */
  readonly requestedCompletionTokens: number;
  /** OpenAI `stream_options.include_usage`. */
  readonly includeUsage: boolean;
}

export type ParseResult =
  | { readonly ok: true; readonly request: ParsedRequest }
  | { readonly ok: false; readonly message: string };

type ApiEndpoint = Exclude<Endpoint, { kind: 'index' }>;

/** Checks the few fields each API insists on, and sizes the answer. */
export function parseRequest(endpoint: ApiEndpoint, body: unknown): ParseResult {
  if (!isRecord(body)) return bad('request body must be a JSON object');
  switch (endpoint.kind) {
    case 'chat': {
      const model = body.model;
      // Azure takes the model from the deployment in the path.
      if (endpoint.provider !== 'azure-openai' && (typeof model !== 'string' || model === '')) {
        return bad("missing required parameter: 'model'");
      }
      if (!Array.isArray(body.messages) || body.messages.length === 0) {
        return bad("'messages' must be a non-empty array");
      }
      const max = firstNumber(body.max_completion_tokens, body.max_tokens);
      const streamOptions = body.stream_options;
      return sized({
        model: typeof model === 'string' ? model : 'gpt-4o-mini',
        stream: body.stream === true,
        prompt: textOf(body.messages),
        max,
        includeUsage: isRecord(streamOptions) && streamOptions.include_usage === true,
      });
    }
    case 'messages': {
      if (typeof body.model !== 'string' || body.model === '') return bad('model: Field required');
      if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens)) {
        return bad('max_tokens: Field required');
      }
      if (!Array.isArray(body.messages) || body.messages.length === 0) {
        return bad('messages: Field required');
      }
      return sized({
        model: body.model,
        stream: body.stream === true,
        prompt: textOf(body.system) + textOf(body.messages),
        max: body.max_tokens,
        includeUsage: false,
      });
    }
    case 'gemini': {
      if (!Array.isArray(body.contents) || body.contents.length === 0) {
        return bad('* GenerateContentRequest.contents: contents is not specified');
      }
      const config = body.generationConfig;
      return sized({
        model: endpoint.model,
        stream: endpoint.stream,
        prompt: textOf(body.systemInstruction) + textOf(body.contents),
        max: isRecord(config) ? firstNumber(config.maxOutputTokens) : undefined,
        includeUsage: false,
      });
    }
  }
}

function sized(input: {
  model: string;
  stream: boolean;
  prompt: string;
  max: number | undefined;
  includeUsage: boolean;
}): ParseResult {
  const limit = input.max === undefined ? REPLY_PIECES.length : Math.max(0, Math.floor(input.max));
  const pieces = REPLY_PIECES.slice(0, limit);
  return {
    ok: true,
    request: {
      model: input.model,
      stream: input.stream,
      pieces,
      truncated: pieces.length < REPLY_PIECES.length,
      // The usual four-characters-per-token estimate; the mock has no tokenizer.
      promptTokens: Math.max(1, Math.ceil(input.prompt.length / 4)),
      completionTokens: pieces.length,
      requestedCompletionTokens: input.max === undefined ? REPLY_PIECES.length : limit,
      includeUsage: input.includeUsage,
    },
  };
}

/** Concatenates every `text`/`content` string in a message tree, bounded in depth. */
function textOf(value: unknown, depth = 0): string {
  if (typeof value === 'string') return value;
  if (depth > 8) return '';
  if (Array.isArray(value)) return value.map((v) => textOf(v, depth + 1)).join('');
  if (!isRecord(value)) return '';
  let out = '';
  for (const key of ['text', 'content', 'parts']) {
    if (key in value) out += textOf(value[key], depth + 1);
  }
  return out;
}

function firstNumber(...values: unknown[]): number | undefined {
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) return v;
  return undefined;
}

function bad(message: string): ParseResult {
  return { ok: false, message: `mock-upstream: ${message}` };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
