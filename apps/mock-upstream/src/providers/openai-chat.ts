import { base62, hex, uuid } from '../ids.js';
import type { ParsedRequest } from '../request.js';

export type ChatProvider = 'openai' | 'azure-openai' | 'openrouter';

const SAFE = { filtered: false, severity: 'safe' } as const;
// Azure runs every prompt and completion through its content filter and says so in the payload.
const AZURE_FILTER = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
const AZURE_PROMPT_FILTER = [{ prompt_index: 0, content_filter_results: AZURE_FILTER }];

interface Ids {
  readonly id: string;
  readonly created: number;
  readonly fingerprint: string;
}

function ids(provider: ChatProvider, now: number): Ids {
  const created = Math.floor(now / 1000);
  return {
    id: provider === 'openrouter' ? `gen-${created}-${base62(20)}` : `chatcmpl-${base62(29)}`,
    created,
    fingerprint: `fp_${hex(5)}`,
  };
}

export function chatHeaders(provider: ChatProvider): Record<string, string> {
  switch (provider) {
    case 'openai':
      return {
        'x-request-id': `req_${hex(16)}`,
        'openai-version': '2020-10-01',
        'openai-processing-ms': '1',
      };
    case 'azure-openai': {
      const id = uuid();
      return { 'apim-request-id': id, 'x-request-id': id, 'x-ms-region': 'East US' };
    }
    case 'openrouter':
      return {};
  }
}

function usage(req: ParsedRequest) {
  return {
    prompt_tokens: req.promptTokens,
    completion_tokens: req.completionTokens,
    total_tokens: req.promptTokens + req.completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

export function chatCompletion(provider: ChatProvider, req: ParsedRequest, now: number): unknown {
  const { id, created, fingerprint } = ids(provider, now);
  const finish = req.truncated ? 'length' : 'stop';
  const message = {
    role: 'assistant',
    content: req.pieces.join(''),
    refusal: null,
    annotations: [],
  };
  switch (provider) {
    case 'openai':
      return {
        id,
        object: 'chat.completion',
        created,
        model: req.model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
        usage: usage(req),
        service_tier: 'default',
        system_fingerprint: fingerprint,
      };
    case 'azure-openai':
      return {
        id,
        object: 'chat.completion',
        created,
        model: req.model,
        prompt_filter_results: AZURE_PROMPT_FILTER,
        choices: [
          {
            index: 0,
            message,
            logprobs: null,
            finish_reason: finish,
            content_filter_results: AZURE_FILTER,
          },
        ],
        usage: usage(req),
        system_fingerprint: fingerprint,
      };
    case 'openrouter':
      return {
        id,
        provider: 'OpenAI',
        model: req.model,
        object: 'chat.completion',
        created,
        choices: [
          {
            logprobs: null,
            finish_reason: finish,
            native_finish_reason: finish,
            index: 0,
            message: {
              role: 'assistant',
              content: message.content,
              refusal: null,
              reasoning: null,
            },
          },
        ],
        usage: usage(req),
      };
  }
}

const frame = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;

/**
 * `chat.completion.chunk` frames: role, one delta per piece, finish, optional usage, `[DONE]`.
 * With `failure`, the stream stops after `failAfter` pieces with `data: {"error": …}` and no
 * `[DONE]`, which is how OpenAI-compatible APIs report an error after the 200 is sent.
 */
export function chatStream(
  provider: ChatProvider,
  req: ParsedRequest,
  now: number,
  failure?: { readonly body: unknown; readonly after: number },
): string[] {
  const { id, created, fingerprint } = ids(provider, now);
  const frames: string[] = [];
  const chunk = (delta: object, finish: string | null, extra: object = {}) => {
    const choice: Record<string, unknown> = {
      index: 0,
      delta,
      logprobs: null,
      finish_reason: finish,
    };
    if (provider === 'openrouter') choice.native_finish_reason = finish;
    if (provider === 'azure-openai')
      choice.content_filter_results = finish === null ? AZURE_FILTER : {};
    const base: Record<string, unknown> = {
      id,
      object: 'chat.completion.chunk',
      created,
      model: req.model,
    };
    if (provider === 'openai') base.service_tier = 'default';
    if (provider === 'openrouter') base.provider = 'OpenAI';
    base.system_fingerprint = fingerprint;
    base.choices = [choice];
    if (req.includeUsage) base.usage = null;
    return frame({ ...base, ...extra });
  };

  // OpenRouter keeps the connection warm with SSE comments before the first token.
  if (provider === 'openrouter') frames.push(': OPENROUTER PROCESSING\n\n');
  if (provider === 'azure-openai') {
    frames.push(
      frame({
        choices: [],
        created: 0,
        id: '',
        model: '',
        object: '',
        prompt_filter_results: AZURE_PROMPT_FILTER,
      }),
    );
  }
  frames.push(chunk({ role: 'assistant', content: '', refusal: null }, null));
  const pieces = failure === undefined ? req.pieces : req.pieces.slice(0, failure.after);
  for (const piece of pieces) frames.push(chunk({ content: piece }, null));
  if (failure !== undefined) {
    frames.push(frame(failure.body));
    return frames;
  }
  frames.push(chunk({}, req.truncated ? 'length' : 'stop'));
  if (req.includeUsage) {
    frames.push(
      frame({
        id,
        object: 'chat.completion.chunk',
        created,
        model: req.model,
        ...(provider === 'openai' ? { service_tier: 'default' } : {}),
        system_fingerprint: fingerprint,
        choices: [],
        usage: usage(req),
      }),
    );
  }
  frames.push('data: [DONE]\n\n');
  return frames;
}
