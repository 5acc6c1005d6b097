import type { IncomingHttpHeaders } from 'node:http';
import type { ScenarioId } from '@four29/fixtures';
import { isScenario, SCENARIO_IDS } from './scenarios.js';
import type { MockProvider } from './types.js';

export type Endpoint =
  | { readonly kind: 'chat'; readonly provider: 'openai' | 'azure-openai' | 'openrouter' }
  | { readonly kind: 'messages'; readonly provider: 'anthropic' }
  | {
      readonly kind: 'gemini';
      readonly provider: 'google';
      readonly model: string;
      readonly stream: boolean;
    }
  | { readonly kind: 'index' };

export type Route =
  | {
      readonly ok: true;
      readonly path: string;
      readonly endpoint: Endpoint;
      readonly scenario: ScenarioId;
    }
  | {
      readonly ok: false;
      readonly path: string;
      /** Provider whose error shape fits best, guessed from the path and headers. */
      readonly provider: MockProvider;
      readonly status: 400 | 404;
      readonly message: string;
    };

const SCENARIO_PREFIX = /^\/scenario\/([^/]*)(\/.*)?$/;
const AZURE_CHAT = /^\/openai\/deployments\/[^/]+\/chat\/completions$/;
const GEMINI = /^\/(v1|v1beta|v1alpha)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

export function route(rawUrl: string, headers: IncomingHttpHeaders): Route {
  let url: URL;
  try {
    url = new URL(rawUrl, 'http://mock.invalid');
  } catch {
    return fail('/', guessProvider('/', headers), 400, 'mock-upstream: malformed request URL');
  }
  let path = url.pathname;
  let scenario: string = 'ok';

  const prefixed = SCENARIO_PREFIX.exec(path);
  if (prefixed !== null) {
    scenario = safeDecode(prefixed[1] ?? '');
    path = prefixed[2] ?? '/';
  }
  // The header is the more specific choice: a test can pin one request of a client whose
  // base URL already names a scenario.
  const header = first(headers['x-mock-scenario']);
  if (header !== undefined && header !== '') scenario = header.trim();

  const endpoint = matchEndpoint(path, headers);
  if (endpoint === undefined) {
    return fail(
      path,
      guessProvider(path, headers),
      404,
      `mock-upstream: no endpoint at ${path}. Try /v1/chat/completions, /v1/messages, /openai/deployments/{deployment}/chat/completions or /v1beta/models/{model}:generateContent.`,
    );
  }
  if (!isScenario(scenario)) {
    const provider = endpoint.kind === 'index' ? guessProvider(path, headers) : endpoint.provider;
    return fail(
      path,
      provider,
      400,
      `mock-upstream: unknown scenario '${scenario.slice(0, 64)}'. Known scenarios: ${SCENARIO_IDS.join(', ')}.`,
    );
  }
  return { ok: true, path, endpoint, scenario };
}

function matchEndpoint(path: string, headers: IncomingHttpHeaders): Endpoint | undefined {
  if (path === '/' || path === '') return { kind: 'index' };
  // OpenAI (/v1), Groq-style (/openai/v1) and OpenRouter (/api/v1) base URLs.
  if (path === '/v1/chat/completions' || path === '/openai/v1/chat/completions') {
    return { kind: 'chat', provider: chatVariant(headers) ?? 'openai' };
  }
  if (path === '/api/v1/chat/completions') {
    return { kind: 'chat', provider: chatVariant(headers) ?? 'openrouter' };
  }
  if (AZURE_CHAT.test(path)) return { kind: 'chat', provider: 'azure-openai' };
  if (path === '/v1/messages') return { kind: 'messages', provider: 'anthropic' };
  const gemini = GEMINI.exec(path);
  if (gemini !== null) {
    return {
      kind: 'gemini',
      provider: 'google',
      model: safeDecode(gemini[2] ?? ''),
      stream: gemini[3] === 'streamGenerateContent',
    };
  }
  return undefined;
}

function chatVariant(
  headers: IncomingHttpHeaders,
): 'openai' | 'azure-openai' | 'openrouter' | undefined {
  const value = first(headers['x-mock-provider'])?.trim().toLowerCase();
  if (value === 'azure' || value === 'azure-openai') return 'azure-openai';
  if (value === 'openrouter') return 'openrouter';
  if (value === 'openai') return 'openai';
  return undefined;
}

function guessProvider(path: string, headers: IncomingHttpHeaders): MockProvider {
  if (path.startsWith('/v1beta') || headers['x-goog-api-key'] !== undefined) return 'google';
  if (headers['anthropic-version'] !== undefined || path.includes('/messages')) return 'anthropic';
  if (path.startsWith('/openai/deployments') || headers['api-key'] !== undefined) {
    return 'azure-openai';
  }
  if (path.startsWith('/api/')) return 'openrouter';
  return 'openai';
}

function fail(path: string, provider: MockProvider, status: 400 | 404, message: string): Route {
  return { ok: false, path, provider, status, message };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
