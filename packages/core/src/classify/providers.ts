/**
 * Which provider answered. Order of evidence:
 * 1. the error names its provider (`UpstreamHttpError.provider`);
 * 2. the host the request went to, when the error carries the URL (`UpstreamHttpError.url`, the AI
 *    SDK's `APICallError.url`, axios `config`, fetch `response.url`): OpenAI-compatible endpoints
 *    (Mistral, DeepSeek, xAI, Groq, Gemini's, a local Ollama …) answer in OpenAI's shape, so the
 *    host is often the only thing that tells them apart. openai-node's `APIError` carries no URL:
 *    for it, the caller's hint (`options.provider`) is the way to say which endpoint it calls;
 * 3. provider-specific evidence: headers only one provider sends, body envelopes only one provider
 *    uses, AWS exception names, SDK identity (@google/genai), wording and links only one
 *    provider's messages contain. Besides the `KnownProviderId`s this names `github`, whose
 *    responses are recognisable and whose remedies differ;
 * 4. the caller's hint (`options.provider`), for errors that do not say;
 * 5. weak evidence: an OpenAI-shaped body (`{error: {type, param}}`), which OpenAI-compatible
 *    servers share;
 * 6. `generic`.
 */
import { canonicalProvider } from '../provider-id.js';
import type { ProviderId } from '../types.js';
import type { Facts } from './facts.js';
import { get, getString, hasOwn, toNumber } from './safe.js';

/** Bedrock runtime exception names (shared with other AWS services, hence the header check too). */
export const BEDROCK_EXCEPTIONS: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'ThrottlingException',
  'ServiceQuotaExceededException',
  'ServiceUnavailableException',
  'ModelNotReadyException',
  'ModelTimeoutException',
  'ModelErrorException',
  'ModelStreamErrorException',
  'InternalServerException',
  'ValidationException',
  'AccessDeniedException',
  'ResourceNotFoundException',
]);

/** OpenAI error codes (platform.openai.com/docs/guides/error-codes and openai-node types). */
export const OPENAI_CODES: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'rate_limit_exceeded',
  'insufficient_quota',
  'invalid_api_key',
  'context_length_exceeded',
  'string_above_max_length',
  'model_not_found',
  'billing_hard_limit_reached',
  'billing_not_active',
  'credit_balance_exhausted',
  'organization_spend_limit_exceeded',
  'project_spend_limit_exceeded',
  'unsupported_country_region_territory',
]);

function hasHeaderPrefix(headers: ReadonlyMap<string, string>, prefix: string): boolean {
  for (const name of headers.keys()) if (name.startsWith(prefix)) return true;
  return false;
}

/**
 * API hosts, matched without the port. The OpenAI-compatible endpoints of Gemini
 * (`generativelanguage.googleapis.com/v1beta/openai`) and Anthropic answer from the same hosts.
 */
const HOSTS: ReadonlyArray<readonly [RegExp, ProviderId]> = [
  [/^api\.openai\.com$/, 'openai'],
  [
    /\.openai\.azure\.com$|\.cognitiveservices\.azure\.com$|\.services\.ai\.azure\.com$/,
    'azure-openai',
  ],
  [/^api\.anthropic\.com$/, 'anthropic'],
  [/^generativelanguage\.googleapis\.com$|(?:^|[.-])aiplatform\.googleapis\.com$/, 'google'],
  [/^bedrock-runtime(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com$/, 'bedrock'],
  [/^openrouter\.ai$/, 'openrouter'],
  [/^api\.groq\.com$/, 'groq'],
  [/^(?:api|codestral)\.mistral\.ai$/, 'mistral'],
  [/^api\.cohere\.(?:com|ai)$/, 'cohere'],
  [/^api\.deepseek\.com$/, 'deepseek'],
  [/^api\.x\.ai$/, 'xai'],
  [/^api\.together\.(?:xyz|ai)$/, 'together'],
  [/^api\.fireworks\.ai$/, 'fireworks'],
  [/^api\.perplexity\.ai$/, 'perplexity'],
  [/^api\.github\.com$/, 'github'],
];

// Ollama's default port on a loopback or Docker host name. vLLM has no port of its own (its default
// 8000 is every dev server's), so it is told by its body only.
const OLLAMA_HOST_RE =
  /^(?:localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0|host\.docker\.internal):11434$/;

export function providerFromHost(host: string | undefined): ProviderId | undefined {
  if (host === undefined) return undefined;
  if (OLLAMA_HOST_RE.test(host)) return 'ollama';
  const bare = host.replace(/:\d+$/, '');
  for (const [re, id] of HOSTS) if (re.test(bare)) return id;
  return undefined;
}

/** A Python exception class as `type` (vLLM's FastAPI server: `BadRequestError`, `NotFoundError`). */
const EXCEPTION_TYPE_RE = /^[A-Z][A-Za-z]{2,40}Error$/;
const SNAKE_TYPE_RE = /^[a-z]+(?:_[a-z]+)*$/;
const MISTRAL_HEADERS = [
  'mistral-correlation-id',
  'x-ratelimit-limit-req-minute',
  'x-ratelimit-limit-tokens-minute',
  'x-ratelimit-limit-tokens-month',
] as const;
const MISTRAL_TEXT_RE = /\b(?:console|admin|docs)\.mistral\.ai\b/;
const COHERE_TEXT_RE = /\b(?:dashboard|docs)\.cohere\.(?:com|ai)\b|\busing a Trial key\b/;
const XAI_TEXT_RE = /\b(?:console|docs)\.x\.ai\b|\bYour team [0-9a-f-]{36} has either used\b/;
const TOGETHER_TEXT_RE = /\b(?:api\.together\.xyz|(?:docs|api)\.together\.ai)\b/;
const FIREWORKS_TEXT_RE = /\bcontact Fireworks\b|\bfireworks\.ai\b/;
const PERPLEXITY_TEXT_RE = /\bdocs\.perplexity\.ai\b/;
const OLLAMA_TEXT_RE = /\btry pulling it first\b/;

/**
 * OpenAI-compatible providers whose answers still say who they are: their own headers, their own
 * envelope variant, or wording and links no one else uses.
 */
function compatibleEvidence(f: Facts): ProviderId | undefined {
  const h = f.info.headers;
  const body = f.info.body;
  const msg = f.message;
  if (MISTRAL_HEADERS.some((name) => h.has(name)) || MISTRAL_TEXT_RE.test(msg)) return 'mistral';
  // Top-level `{"object": "error", "message", "type", "param", "code"}`: Mistral (snake-case types,
  // four-digit string codes, sometimes `raw_status_code`) and older vLLM (exception-class types,
  // the HTTP status as a number code).
  if (f.error === undefined && getString(body, 'object', 20) === 'error') {
    const code = get(body, 'code');
    const type = getString(body, 'type', 60) ?? '';
    if (typeof code === 'number' && EXCEPTION_TYPE_RE.test(type)) return 'vllm';
    if (
      hasOwn(body, 'raw_status_code') ||
      (typeof code === 'string' && /^\d{4}$/.test(code)) ||
      SNAKE_TYPE_RE.test(type)
    )
      return 'mistral';
  }
  // Newer vLLM: the same members inside `error`.
  if (typeof get(f.error, 'code') === 'number' && EXCEPTION_TYPE_RE.test(f.type ?? ''))
    return 'vllm';
  if (
    h.has('x-trial-endpoint-call-limit') ||
    h.has('x-endpoint-monthly-call-limit') ||
    COHERE_TEXT_RE.test(msg)
  )
    return 'cohere';
  if (XAI_TEXT_RE.test(msg)) return 'xai';
  // Together's free-tier limiter answers with type `credit_limit`, a type no one else uses.
  if (f.type === 'credit_limit' || TOGETHER_TEXT_RE.test(msg)) return 'together';
  // Fireworks nests `"object": "error"` inside `error`.
  if (
    hasHeaderPrefix(h, 'fireworks-') ||
    getString(f.error, 'object', 20) === 'error' ||
    FIREWORKS_TEXT_RE.test(msg)
  )
    return 'fireworks';
  if (f.type === 'invalid_model' || PERPLEXITY_TEXT_RE.test(msg)) return 'perplexity';
  // DeepSeek swaps OpenAI's members: type `unknown_error`, code `invalid_request_error`.
  if (f.type === 'unknown_error' && f.code === 'invalid_request_error') return 'deepseek';
  if (OLLAMA_TEXT_RE.test(msg)) return 'ollama';
  return undefined;
}

function strongEvidence(f: Facts): ProviderId | undefined {
  const h = f.info.headers;
  if (
    h.has('apim-request-id') ||
    h.has('x-ms-region') ||
    /\bAzure OpenAI\b|aka\.ms\/oai/.test(f.message)
  )
    return 'azure-openai';
  if (f.anthropicEnvelope || hasHeaderPrefix(h, 'anthropic-')) return 'anthropic';
  if (f.awsName !== undefined) {
    const errortype = h.get('x-amzn-errortype') ?? '';
    if (BEDROCK_EXCEPTIONS.has(f.awsName) || /bedrock/i.test(errortype)) return 'bedrock';
  }
  const numericCode = toNumber(get(f.error, 'code'));
  if (
    f.info.client === 'google-genai' ||
    (f.rpcStatus !== undefined && numericCode !== undefined) ||
    f.violations.length > 0 ||
    f.retryInfoMs !== undefined ||
    f.reason !== undefined
  )
    return 'google';
  if (
    numericCode !== undefined &&
    f.rpcStatus === undefined &&
    (hasOwn(f.error, 'metadata') ||
      hasOwn(f.info.body, 'user_id') ||
      /openrouter\.ai/i.test(f.message))
  )
    return 'openrouter';
  if (h.has('x-groq-region') || /console\.groq\.com/.test(f.message)) return 'groq';
  if (
    h.has('x-github-request-id') ||
    h.has('x-github-media-type') ||
    /^https:\/\/docs\.github\.com\//.test(getString(f.info.body, 'documentation_url', 300) ?? '')
  )
    return 'github';
  const compatible = compatibleEvidence(f);
  if (compatible !== undefined) return compatible;
  if (hasHeaderPrefix(h, 'openai-') || /platform\.openai\.com|help\.openai\.com/.test(f.message))
    return 'openai';
  return undefined;
}

function weakEvidence(f: Facts): ProviderId | undefined {
  if (f.error === undefined) return undefined;
  if (f.type !== undefined && hasOwn(f.error, 'param')) return 'openai';
  if (f.code !== undefined && OPENAI_CODES.has(f.code)) return 'openai';
  if (f.type !== undefined && OPENAI_CODES.has(f.type)) return 'openai';
  return undefined;
}

export function detectProvider(f: Facts, hint: ProviderId | undefined): ProviderId {
  const named = canonicalProvider(f.info.provider);
  if (named !== undefined) return named;
  const byHost = providerFromHost(f.info.host);
  if (byHost !== undefined) return byHost;
  const strong = strongEvidence(f);
  if (strong !== undefined) return strong;
  return canonicalProvider(hint) ?? weakEvidence(f) ?? 'generic';
}
