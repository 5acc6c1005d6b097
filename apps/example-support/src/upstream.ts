import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { AppOptions } from './app.js';

export const OPENAI_MODEL = 'gpt-4o-mini';
export const ANTHROPIC_MODEL = 'claude-sonnet-4-5';

export interface Reply {
  readonly model: string;
  readonly reply: string;
}

/** The tokens of a streamed chat completion, as they arrive. */
export interface TokenStream extends AsyncIterable<string> {
  /** Stops the upstream request, e.g. when the client went away. */
  abort(): void;
}

/**
 * The upstream calls behind the examples' routes, through the official SDKs. They throw the SDKs'
 * own errors untouched: answering those is four29's job, so the routes have no try/catch.
 * `scenario` is the caller's `x-mock-scenario` header, see {@link demoScenario}.
 */
export interface Upstream {
  /** `POST /chat`: `openai.chat.completions.create`. */
  chat(prompt: string, scenario?: string): Promise<Reply>;
  /** `POST /claude`: `anthropic.messages.create`. */
  claude(prompt: string, scenario?: string): Promise<Reply>;
  /**
   * `POST /chat/stream`: `openai.chat.completions.create` with `stream: true`. Resolves once the
   * upstream accepted the request, so a refusal (429, 401, …) rejects here, before the route has
   * sent any SSE header; a failure later comes out of the iteration.
   */
  chatStream(prompt: string, scenario?: string): Promise<TokenStream>;
}

/**
 * DEMO ONLY: passes the caller's `x-mock-scenario` header on to the mock upstream so `pnpm demo`
 * can make it fail on purpose. Delete this in a real service: clients must not steer the headers
 * your service sends to its upstream.
 */
export function demoScenario(
  value: string | undefined,
): { headers: Record<string, string> } | undefined {
  return value !== undefined && /^[a-z_]{1,40}$/.test(value)
    ? { headers: { 'x-mock-scenario': value } }
    : undefined;
}

export function createUpstream(options: AppOptions): Upstream {
  const timeout = options.timeoutMs ?? 30_000;
  // maxRetries 0: four29 answers at once with Retry-After, so the caller decides when to retry.
  // The SDKs' default retries would hold the request through backoffs, and they retry OpenAI's
  // insufficient_quota 429 too, which no amount of waiting fixes.
  const openai = new OpenAI({
    apiKey: options.openaiApiKey ?? 'sk-mock-upstream-example-key',
    baseURL: options.openaiBaseUrl,
    maxRetries: 0,
    timeout,
  });
  const anthropic = new Anthropic({
    apiKey: options.anthropicApiKey ?? 'sk-ant-mock-upstream-example-key',
    baseURL: options.anthropicBaseUrl,
    maxRetries: 0,
    timeout,
  });

  return {
    async chat(prompt, scenario) {
      const completion = await openai.chat.completions.create(
        { model: OPENAI_MODEL, messages: [{ role: 'user', content: prompt }] },
        demoScenario(scenario),
      );
      return { model: completion.model, reply: completion.choices[0]?.message.content ?? '' };
    },

    async claude(prompt, scenario) {
      const message = await anthropic.messages.create(
        { model: ANTHROPIC_MODEL, max_tokens: 512, messages: [{ role: 'user', content: prompt }] },
        demoScenario(scenario),
      );
      const reply = message.content
        .map((block) => (block.type === 'text' ? block.text : ''))
        .join('');
      return { model: message.model, reply };
    },

    async chatStream(prompt, scenario) {
      const stream = await openai.chat.completions.create(
        { model: OPENAI_MODEL, messages: [{ role: 'user', content: prompt }], stream: true },
        demoScenario(scenario),
      );
      return {
        abort: () => stream.controller.abort(),
        async *[Symbol.asyncIterator]() {
          for await (const chunk of stream) {
            const token = chunk.choices[0]?.delta.content;
            if (token) yield token;
          }
        },
      };
    },
  };
}
