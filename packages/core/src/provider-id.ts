import type { ProviderId } from './types.js';

/** Other spellings of provider ids seen in configuration. */
const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  azure: 'azure-openai',
  'azure-ai': 'azure-openai',
  gemini: 'google',
  vertex: 'google',
  'vertex-ai': 'google',
  'google-vertex': 'google',
  'aws-bedrock': 'bedrock',
  'amazon-bedrock': 'bedrock',
  claude: 'anthropic',
  mistralai: 'mistral',
  'mistral-ai': 'mistral',
  'cohere-ai': 'cohere',
  'x-ai': 'xai',
  grok: 'xai',
  togetherai: 'together',
  'together-ai': 'together',
  'fireworks-ai': 'fireworks',
  fireworksai: 'fireworks',
  pplx: 'perplexity',
};

/**
 * The one provider-id normaliser: trimmed, lower-case, aliases resolved (`azure` → `azure-openai`,
 * `gemini` → `google`), so the classifier's rules and the remediation lookup see the same id.
 * Undefined for anything that is not a usable id.
 */
export function canonicalProvider(id: unknown): ProviderId | undefined {
  if (typeof id !== 'string') return undefined;
  const s = id.trim().toLowerCase();
  if (s.length === 0 || s.length > 100) return undefined;
  return Object.hasOwn(PROVIDER_ALIASES, s) ? PROVIDER_ALIASES[s] : s;
}
