/**
 * Which provider answered. Order of evidence:
 * 1. the error names its provider (`UpstreamHttpError.provider`);
 * 2. provider-specific evidence: headers only one provider sends, body envelopes only one provider
 *    uses, AWS exception names, SDK identity (@google/genai), and the provider's own API host in
 *    the URL the client says it called (`api.openai.com`, `*.openai.azure.com`, …). Besides the `KnownProviderId`s this
 *    names `groq` and `github`, whose responses are recognisable and whose remedies differ;
 * 3. the caller's hint (`options.provider`), for errors that do not say;
 * 4. weak evidence: an OpenAI-shaped body (`{error: {type, param}}`), which OpenAI-compatible
 *    servers share;
 * 5. `generic`.
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

const BEDROCK_HOST_RE = /^bedrock-runtime(?:-fips)?\.[a-z0-9-]{1,40}\.amazonaws\.com$/;

/**
 * The provider whose API host this is. Only hosts the provider itself serves: a proxy or an
 * OpenAI-compatible server on another host says nothing. This is what a connection error or a
 * client timeout can tell about who did not answer.
 */
export function providerOfHost(host: string | undefined): ProviderId | undefined {
  if (host === undefined) return undefined;
  switch (host) {
    case 'api.openai.com':
      return 'openai';
    case 'api.anthropic.com':
      return 'anthropic';
    case 'generativelanguage.googleapis.com':
    case 'aiplatform.googleapis.com':
      return 'google';
    case 'openrouter.ai':
      return 'openrouter';
    case 'api.groq.com':
      return 'groq';
  }
  if (host.endsWith('-aiplatform.googleapis.com')) return 'google';
  if (
    host.endsWith('.openai.azure.com') ||
    host.endsWith('.cognitiveservices.azure.com') ||
    host.endsWith('.services.ai.azure.com')
  )
    return 'azure-openai';
  if (BEDROCK_HOST_RE.test(host)) return 'bedrock';
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
  if (hasHeaderPrefix(h, 'openai-') || /platform\.openai\.com|help\.openai\.com/.test(f.message))
    return 'openai';
  return providerOfHost(f.info.host);
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
  const strong = strongEvidence(f);
  if (strong !== undefined) return strong;
  return canonicalProvider(hint) ?? weakEvidence(f) ?? 'generic';
}
