import { base62 } from '../ids.js';
import type { ParsedRequest } from '../request.js';

export function anthropicHeaders(): Record<string, string> {
  return { 'request-id': `req_011C${base62(20)}` };
}

const messageId = () => `msg_01${base62(22)}`;

export function anthropicMessage(req: ParsedRequest): unknown {
  return {
    id: messageId(),
    type: 'message',
    role: 'assistant',
    model: req.model,
    content: [{ type: 'text', text: req.pieces.join('') }],
    stop_reason: req.truncated ? 'max_tokens' : 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: req.promptTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: req.completionTokens,
      service_tier: 'standard',
    },
  };
}

const event = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * The Messages streaming event sequence. With `failure`, the stream ends after `failAfter`
 * deltas with `event: error`, as Anthropic does when it overloads mid-answer (the HTTP status
 * is already 200 by then).
 */
export function anthropicStream(
  req: ParsedRequest,
  failure?: { readonly body: unknown; readonly after: number },
): string[] {
  const frames: string[] = [];
  frames.push(
    event('message_start', {
      type: 'message_start',
      message: {
        id: messageId(),
        type: 'message',
        role: 'assistant',
        model: req.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: req.promptTokens,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 1,
          service_tier: 'standard',
        },
      },
    }),
  );
  frames.push(
    event('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    }),
  );
  frames.push(event('ping', { type: 'ping' }));
  const pieces = failure === undefined ? req.pieces : req.pieces.slice(0, failure.after);
  for (const text of pieces) {
    frames.push(
      event('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text },
      }),
    );
  }
  if (failure !== undefined) {
    frames.push(event('error', failure.body));
    return frames;
  }
  frames.push(event('content_block_stop', { type: 'content_block_stop', index: 0 }));
  frames.push(
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: req.truncated ? 'max_tokens' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: req.completionTokens },
    }),
  );
  frames.push(event('message_stop', { type: 'message_stop' }));
  return frames;
}
