import type { RemediationCause, RemediationStep, UpstreamErrorKind } from '../types.js';

/*
 * The remediation catalogue: data only. Every step and cause has a stable, namespaced id that log
 * records carry, so dashboards and runbooks can match on ids while the wording here improves.
 * Only URLs of pages known to exist are listed; a step without a reliable page has none.
 */

const URL = {
  openaiBilling: 'https://platform.openai.com/settings/organization/billing/overview',
  openaiLimits: 'https://platform.openai.com/settings/organization/limits',
  openaiUsage: 'https://platform.openai.com/usage',
  openaiKeys: 'https://platform.openai.com/api-keys',
  openaiRateLimitGuide: 'https://platform.openai.com/docs/guides/rate-limits',
  openaiErrorCodes: 'https://platform.openai.com/docs/guides/error-codes',
  openaiQuotaHelp:
    'https://help.openai.com/en/articles/6891831-error-code-429-you-exceeded-your-current-quota-please-check-your-plan-and-billing-details',
  openaiRateLimitAdvice: 'https://help.openai.com/en/articles/6891753-rate-limit-advice',
  openaiStatus: 'https://status.openai.com/',
  anthropicBilling: 'https://console.anthropic.com/settings/billing',
  anthropicLimits: 'https://console.anthropic.com/settings/limits',
  anthropicKeys: 'https://console.anthropic.com/settings/keys',
  anthropicRateLimits: 'https://docs.anthropic.com/en/api/rate-limits',
  anthropicErrors: 'https://docs.anthropic.com/en/api/errors',
  anthropicStatus: 'https://status.anthropic.com/',
  azureQuota: 'https://learn.microsoft.com/azure/ai-services/openai/how-to/quota',
  azureQuotasLimits: 'https://learn.microsoft.com/azure/ai-services/openai/quotas-limits',
  azureQuotaIncrease: 'https://aka.ms/oai/quotaincrease',
  azureTrialUpgrade: 'https://aka.ms/429TrialUpgrade',
  googleAiStudioKeys: 'https://aistudio.google.com/apikey',
  googleRateLimits: 'https://ai.google.dev/gemini-api/docs/rate-limits',
  googleBilling: 'https://ai.google.dev/gemini-api/docs/billing',
  vertexQuotas: 'https://cloud.google.com/vertex-ai/generative-ai/docs/quotas',
  vertex429: 'https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429',
  gcpQuotasConsole: 'https://console.cloud.google.com/iam-admin/quotas',
  awsServiceQuotas: 'https://console.aws.amazon.com/servicequotas/',
  bedrockQuotas: 'https://docs.aws.amazon.com/bedrock/latest/userguide/quotas.html',
  bedrockCrossRegion:
    'https://docs.aws.amazon.com/bedrock/latest/userguide/cross-region-inference.html',
  bedrockProvisioned: 'https://docs.aws.amazon.com/bedrock/latest/userguide/prov-throughput.html',
  bedrockErrors:
    'https://docs.aws.amazon.com/bedrock/latest/userguide/troubleshooting-api-error-codes.html',
  openrouterCredits: 'https://openrouter.ai/settings/credits',
  openrouterKeys: 'https://openrouter.ai/settings/keys',
  openrouterLimits: 'https://openrouter.ai/docs/api-reference/limits',
  mistralLimits: 'https://admin.mistral.ai/plateforme/limits',
  mistralBilling: 'https://admin.mistral.ai/organization/billing',
  mistralKeys: 'https://console.mistral.ai/api-keys',
  mistralTiers: 'https://docs.mistral.ai/deployment/laplateforme/tier/',
  cohereKeys: 'https://dashboard.cohere.com/api-keys',
  cohereRateLimits: 'https://docs.cohere.com/docs/rate-limits',
  deepseekTopUp: 'https://platform.deepseek.com/top_up',
  deepseekKeys: 'https://platform.deepseek.com/api_keys',
  deepseekErrorCodes: 'https://api-docs.deepseek.com/quick_start/error_codes',
  xaiConsole: 'https://console.x.ai/',
  togetherBilling: 'https://api.together.xyz/settings/billing',
  togetherRateLimits: 'https://docs.together.ai/docs/rate-limits',
  perplexityApiSettings: 'https://www.perplexity.ai/settings/api',
  githubRateLimits:
    'https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api',
  githubBestPractices:
    'https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api',
} as const;

type StepInit = Omit<RemediationStep, 'id'>;

/** Every step, by id. */
// Built by a pure call so that bundles which never read the catalogue drop it: object literals
// reading URL members would otherwise count as side effects.
const STEP_DATA = /* @__PURE__ */ (() =>
  ({
    // --- generic: what anyone calling any upstream can do -------------------------------------
    'generic.retry-after': {
      audience: 'caller',
      title: 'Retry after the indicated delay',
      detail:
        'Wait the number of seconds in the Retry-After header (also the retryAfter member of this problem) before sending the request again. Without one, back off exponentially with random jitter.',
    },
    'generic.slow-down': {
      audience: 'caller',
      title: 'Send fewer requests at once',
      detail:
        'Spread requests out over time and lower their concurrency; bursts are what hit the limit.',
    },
    'generic.retry-if-retryable': {
      audience: 'caller',
      title: 'Retry only if the problem says it is retryable',
      detail:
        'Repeat the request after a short backoff only when this problem has "retryable": true. A non-retryable error will fail the same way again.',
    },
    'generic.shrink-request': {
      audience: 'caller',
      title: 'Send a smaller request',
      detail:
        'Shorten the input (prompt, documents, history) or ask for a shorter output (a lower max_tokens or equivalent) and send it again. Repeating the same request will fail the same way.',
    },
    'generic.backoff-with-jitter': {
      audience: 'operator',
      title: 'Retry with exponential backoff and jitter, honouring Retry-After',
      detail:
        'Retry rate-limited calls a bounded number of times, waiting the upstream Retry-After (or reset) when given, else an exponentially growing delay with random jitter. Cap the total wait so a request never hangs on a long Retry-After.',
    },
    'generic.limit-concurrency': {
      audience: 'operator',
      title: 'Pace requests below the upstream limit',
      detail:
        'Put a client-side rate limiter or queue in front of the upstream calls, sized below the provider limit for the key, so bursts are smoothed instead of rejected.',
    },
    'generic.lower-max-tokens': {
      audience: 'operator',
      title: 'Lower max_tokens',
      detail:
        'Token-per-minute limits count the requested maximum output, not only what is generated. Set max_tokens close to what responses really need.',
    },
    'generic.request-higher-limit': {
      audience: 'operator',
      title: 'Ask the provider for a higher limit',
      detail:
        "Check the provider's documented limits for this key or plan and request an increase if sustained traffic needs more.",
    },
    'generic.stop-retrying-quota': {
      audience: 'operator',
      title: 'Stop retrying until the quota is restored',
      detail:
        'Quota and billing errors do not pass by waiting a few seconds. Retrying them only adds load and latency; fail fast until someone restores the quota.',
    },
    'generic.alert-a-human': {
      audience: 'operator',
      title: 'Alert a human',
      detail:
        'This needs a person with access to the provider account. Route error-level four29 records to an alert, not only to a log.',
    },
    'generic.fallback-provider': {
      audience: 'operator',
      title: 'Fail over to another account or provider',
      detail:
        'If the service must keep answering, route requests to a secondary account, deployment or provider while this one is out of quota.',
    },
    'generic.truncate-or-chunk': {
      audience: 'operator',
      title: 'Bound request size before calling the upstream',
      detail:
        "Count tokens or bytes before sending; truncate history, summarise, or split large inputs into chunks that fit the model's context window and the per-request limits.",
    },
    'generic.fallback-model': {
      audience: 'operator',
      title: 'Fall back to another model or deployment',
      detail:
        'When a model is overloaded, retry on an alternative model, region or deployment that can serve the request.',
    },
    'generic.check-status-page': {
      audience: 'operator',
      title: "Check the provider's status page",
      detail:
        'Overload, timeouts and 5xx errors that persist usually mean an incident on the provider side.',
    },
    'generic.check-credentials': {
      audience: 'operator',
      title: 'Check the upstream credentials',
      detail:
        'The key or token this service uses was rejected: it may be wrong, expired, revoked, lack a permission, or be sent to the wrong account or endpoint. Fix the configured secret; callers cannot.',
    },
    'generic.review-timeouts': {
      audience: 'operator',
      title: 'Review timeouts and stream long responses',
      detail:
        'Long generations can exceed a fixed client timeout. Raise the upstream timeout for slow endpoints, stream responses, or lower the requested output length.',
    },
    'generic.quote-request-id': {
      audience: 'operator',
      title: 'Quote the upstream request id to the provider',
      detail:
        'If the error persists, open a support case with the provider and quote the upstream request id from this log record.',
    },

    // --- OpenAI ------------------------------------------------------------------------------------
    'openai.review-usage-and-budget': {
      audience: 'billing-admin',
      title: 'Review usage and the monthly budget',
      detail:
        "Compare the organization's usage this month with its monthly budget and remaining credits to see which one ran out.",
      url: URL.openaiUsage,
    },
    'openai.raise-monthly-budget': {
      audience: 'billing-admin',
      title: 'Raise the monthly budget',
      detail:
        "Raise the organization's (or the project's) monthly budget, up to the maximum its usage tier allows, if it is below what the service needs.",
      url: URL.openaiLimits,
    },
    'openai.request-limit-increase': {
      audience: 'billing-admin',
      title: 'Request a usage-limit increase',
      detail:
        'If needs exceed the current tier, qualify for a higher usage tier or request an exception with the limit-increase form on the Limits page.',
      url: URL.openaiLimits,
    },
    'openai.upgrade-to-paid-plan': {
      audience: 'billing-admin',
      title: 'Upgrade to a paid account',
      detail:
        'Create or move the organization to a paid (pay-as-you-go) account; free trial credits alone do not cover production use.',
      url: URL.openaiBilling,
    },
    'openai.add-payment-method': {
      audience: 'billing-admin',
      title: 'Add a payment method',
      detail: 'Add a credit or debit card to the organization billing settings.',
      url: URL.openaiBilling,
    },
    'openai.add-credits': {
      audience: 'billing-admin',
      title: 'Buy credits or enable auto recharge',
      detail:
        'Prepaid billing stops at a zero credit balance. Add credits, and consider auto recharge so the balance does not run out again.',
      url: URL.openaiBilling,
    },
    'openai.new-key-after-upgrade': {
      audience: 'operator',
      title: 'Generate a new API key if the key predates the upgrade',
      detail:
        'A key created before the account was upgraded can keep failing. Create a new key and deploy it.',
      url: URL.openaiKeys,
    },
    'openai.wait-after-upgrade': {
      audience: 'operator',
      title: 'Allow up to 10 minutes after an upgrade',
      detail:
        'A new paid plan, payment method or budget can take up to 10 minutes to take effect; errors in that window do not mean it failed.',
    },
    'openai.monitor-usage': {
      audience: 'operator',
      title: 'Monitor usage on the usage dashboard',
      detail:
        'Watch spend and token usage against the budget so the limit is not a surprise again.',
      url: URL.openaiUsage,
    },
    'openai.set-spend-caps': {
      audience: 'billing-admin',
      title: 'Set soft and hard spending caps',
      detail:
        'After upgrading, set a notification threshold (soft cap) and a budget (hard cap) that match expected spend, to avoid unexpected charges.',
      url: URL.openaiLimits,
    },
    'openai.replace-old-keys': {
      audience: 'operator',
      title: 'Delete old API keys and create a new one if the error persists',
      detail:
        'If the quota error persists after an upgrade, delete the old keys, create a new key for the updated account and deploy it.',
      url: URL.openaiKeys,
    },
    'openai.free-credits-first-account-only': {
      audience: 'billing-admin',
      title: 'Check free-credit eligibility',
      detail:
        'Free trial credits go only to the first account created with a given phone number; another account on the same number starts without credits and needs a payment method.',
    },
    'openai.read-quota-guide': {
      audience: 'operator',
      title: "Read OpenAI's guide for this error",
      detail: 'OpenAI documents the "You exceeded your current quota" error and its fixes.',
      url: URL.openaiQuotaHelp,
    },
    'openai.pace-requests': {
      audience: 'operator',
      title: "Pace requests to the organization's rate limits",
      detail:
        'OpenAI limits requests and tokens per minute and per day for each model, shared by every key in the organization and project. Read the x-ratelimit-* headers and retry with backoff.',
      url: URL.openaiRateLimitGuide,
    },
    'openai.batch-requests': {
      audience: 'operator',
      title: 'Batch requests',
      detail:
        'Combine several small tasks into one request, or send work that need not be answered now through the Batch API, which has its own rate-limit pool.',
      url: URL.openaiRateLimitAdvice,
    },
    'openai.raise-usage-tier': {
      audience: 'billing-admin',
      title: 'Move to a higher usage tier',
      detail:
        'Rate limits grow with the usage tier, which rises with cumulative spend; the Limits page shows the current tier, its limits and how to request more.',
      url: URL.openaiLimits,
    },
    'openai.check-api-key': {
      audience: 'operator',
      title: 'Check or rotate the OpenAI API key',
      detail:
        'Make sure the configured key exists, has not been revoked, belongs to the intended project and has the permissions the endpoint needs; create a new key if in doubt.',
      url: URL.openaiKeys,
    },
    'openai.check-organization-and-project-headers': {
      audience: 'operator',
      title: 'Check the organization and project headers',
      detail:
        'An OpenAI-Organization or OpenAI-Project header (organization / project client option) that the key does not belong to is rejected. Remove it or set it to the key’s own organization and project.',
    },
    'openai.check-status': {
      audience: 'operator',
      title: "Check OpenAI's status page",
      detail: 'Persistent overload or 5xx errors usually match an incident listed there.',
      url: URL.openaiStatus,
    },
    'openai.read-error-codes': {
      audience: 'operator',
      title: "Look the error up in OpenAI's error-code guide",
      detail: 'OpenAI lists each API error with its cause and fix.',
      url: URL.openaiErrorCodes,
    },

    // --- Azure OpenAI ------------------------------------------------------------------------------
    'azure.raise-deployment-tpm': {
      audience: 'operator',
      title: "Raise the deployment's tokens-per-minute allocation",
      detail:
        "A deployment's rate limit is the TPM assigned to it (requests per minute follow from it). Assign it more of the subscription's regional quota, or free TPM from other deployments of the model.",
      url: URL.azureQuota,
    },
    'azure.request-quota-increase': {
      audience: 'operator',
      title: 'Request an Azure OpenAI quota increase',
      detail:
        'Quota is per subscription, region, model and deployment type. If the region has no quota left for the model, file the quota-increase request form.',
      url: URL.azureQuotaIncrease,
    },
    'azure.spread-across-deployments': {
      audience: 'operator',
      title: 'Spread load over another region or deployment',
      detail:
        'Add a deployment of the model in another region (with its own quota) or use a global deployment type, and route part of the traffic there.',
      url: URL.azureQuotasLimits,
    },
    'azure.upgrade-trial-subscription': {
      audience: 'billing-admin',
      title: 'Upgrade a free or trial subscription to pay-as-you-go',
      detail:
        'Free-account subscriptions get little or no quota; a "retry after 86400 seconds" answer usually means zero quota. Upgrade the subscription.',
      url: URL.azureTrialUpgrade,
    },
    'azure.check-key-and-endpoint': {
      audience: 'operator',
      title: 'Check the api-key, endpoint and deployment name',
      detail:
        'Send the key of the same Azure OpenAI resource as the endpoint URL (or a valid Entra ID token with an Azure AI role), and a deployment name that exists on that resource.',
    },

    // --- Anthropic ---------------------------------------------------------------------------------
    'anthropic.raise-tier': {
      audience: 'billing-admin',
      title: 'Move to a higher Anthropic usage tier',
      detail:
        'Requests, input-token and output-token limits per minute rise with the usage tier, which follows credit purchases; the console Limits page shows the current limits.',
      url: URL.anthropicLimits,
    },
    'anthropic.read-rate-limits': {
      audience: 'operator',
      title: "Read Anthropic's rate-limit rules",
      detail:
        'Limits apply per organization and model; the anthropic-ratelimit-* response headers say which one ran out and when it resets.',
      url: URL.anthropicRateLimits,
    },
    'anthropic.ramp-up-gradually': {
      audience: 'operator',
      title: 'Ramp traffic up gradually',
      detail:
        'A sharp jump in usage can be rejected with 429 even below the nominal limits; increase traffic steadily.',
      url: URL.anthropicErrors,
    },
    'anthropic.use-message-batches': {
      audience: 'operator',
      title: 'Use the Message Batches API for bulk work',
      detail:
        'Work that need not be answered at once can go through message batches, which have their own limits, separate from the per-minute Messages API limits.',
      url: URL.anthropicRateLimits,
    },
    'anthropic.buy-credits': {
      audience: 'billing-admin',
      title: 'Add credits to the Anthropic organization',
      detail:
        'A credit balance that is too low stops all requests. Buy credits or enable auto-reload in the console billing settings.',
      url: URL.anthropicBilling,
    },
    'anthropic.raise-spend-limit': {
      audience: 'billing-admin',
      title: 'Raise the monthly spend limit',
      detail:
        'The organization (or workspace) reached its monthly spend limit. Raise it, within what the usage tier allows, in the console limits settings.',
      url: URL.anthropicLimits,
    },
    'anthropic.check-api-key': {
      audience: 'operator',
      title: 'Check or rotate the Anthropic API key',
      detail:
        'Make sure the configured x-api-key exists, is active and belongs to a workspace allowed to use the model; create a new key if in doubt.',
      url: URL.anthropicKeys,
    },
    'anthropic.check-status': {
      audience: 'operator',
      title: "Check Anthropic's status page",
      detail:
        '529 overloaded_error means Anthropic is overloaded across customers; persistent overload matches an incident listed there.',
      url: URL.anthropicStatus,
    },
    'anthropic.read-errors': {
      audience: 'operator',
      title: "Look the error type up in Anthropic's error reference",
      detail: 'Anthropic documents each error type and the request-size limits.',
      url: URL.anthropicErrors,
    },

    // --- Google (Gemini API and Vertex AI) ----------------------------------------------------------
    'google.check-rate-limits': {
      audience: 'operator',
      title: "Check the project's Gemini API rate limits",
      detail:
        'Gemini API limits (requests and tokens per minute, requests per day) apply per project and model and depend on the tier. The QuotaFailure details name the exhausted quota.',
      url: URL.googleRateLimits,
    },
    'google.enable-billing': {
      audience: 'billing-admin',
      title: 'Enable billing for the Gemini API project',
      detail:
        'A quota limit of 0 means the tier has no quota for this model: the free tier does not include it. Set up billing for the project in Google AI Studio to move to a paid tier.',
      url: URL.googleBilling,
    },
    'google.upgrade-tier': {
      audience: 'billing-admin',
      title: 'Upgrade the project to a higher tier',
      detail:
        'Paid tiers have higher limits; the AI Studio API keys page shows the project tier and offers the upgrade when the project qualifies.',
      url: URL.googleAiStudioKeys,
    },
    'google.vertex-request-quota-increase': {
      audience: 'operator',
      title: 'Request a Vertex AI quota increase',
      detail:
        'For models with per-project quotas, request an increase on the Google Cloud Quotas page for the Vertex AI API, model and region.',
      url: URL.gcpQuotasConsole,
    },
    'google.vertex-review-quotas': {
      audience: 'operator',
      title: 'Review Vertex AI generative AI quotas',
      detail:
        'Vertex AI serves many models from shared pay-as-you-go capacity and others from per-project quotas; check which applies to the model.',
      url: URL.vertexQuotas,
    },
    'google.vertex-global-endpoint': {
      audience: 'operator',
      title: 'Use the Vertex AI global endpoint',
      detail:
        'A regional endpoint can run out of shared capacity; the global endpoint routes to any region with capacity.',
      url: URL.vertex429,
    },
    'google.vertex-provisioned-throughput': {
      audience: 'billing-admin',
      title: 'Buy Vertex AI Provisioned Throughput',
      detail:
        'Reserved throughput gives steady capacity when shared pay-as-you-go capacity keeps returning 429 Resource exhausted.',
      url: URL.vertex429,
    },
    'google.check-api-key': {
      audience: 'operator',
      title: 'Check the Gemini API key or Vertex AI credentials',
      detail:
        'For the Gemini API, check the key exists and belongs to the intended project; for Vertex AI, check the service account has a Vertex AI role and the API is enabled.',
      url: URL.googleAiStudioKeys,
    },

    // --- AWS Bedrock -------------------------------------------------------------------------------
    'bedrock.review-quotas': {
      audience: 'operator',
      title: 'Review Bedrock on-demand quotas for the model',
      detail:
        'On-demand requests and tokens per minute are quotas per account, Region and model; Service Quotas lists them under Amazon Bedrock.',
      url: URL.bedrockQuotas,
    },
    'bedrock.request-quota-increase': {
      audience: 'operator',
      title: 'Request a Bedrock quota increase in Service Quotas',
      detail:
        'Open Service Quotas, choose Amazon Bedrock, find the on-demand quota for the model and Region, and request an increase (or ask AWS Support when it is not adjustable).',
      url: URL.awsServiceQuotas,
    },
    'bedrock.cross-region-inference': {
      audience: 'operator',
      title: 'Use a cross-Region inference profile',
      detail:
        'Invoke the model through a geographic or global inference profile so Bedrock can route requests to Regions with spare capacity.',
      url: URL.bedrockCrossRegion,
    },
    'bedrock.provisioned-throughput': {
      audience: 'billing-admin',
      title: 'Buy Provisioned Throughput',
      detail:
        'For steady high volume, purchase Provisioned Throughput for the model instead of relying on shared on-demand capacity.',
      url: URL.bedrockProvisioned,
    },
    'bedrock.sdk-retry-mode': {
      audience: 'operator',
      title: "Configure the AWS SDK's retry mode",
      detail:
        'Use the standard or adaptive retry mode and a sensible maxAttempts so throttled calls back off with jitter instead of failing on the first attempt.',
      url: URL.bedrockErrors,
    },
    'bedrock.check-iam-and-model-access': {
      audience: 'operator',
      title: 'Check IAM permissions, credentials and model access',
      detail:
        'The role needs bedrock:InvokeModel (and InvokeModelWithResponseStream) on the model or inference profile, its credentials must not be expired, and the model must be enabled in the Region.',
      url: URL.bedrockErrors,
    },

    // --- OpenRouter --------------------------------------------------------------------------------
    'openrouter.add-credits': {
      audience: 'billing-admin',
      title: 'Add OpenRouter credits',
      detail:
        'HTTP 402 means the account balance is too low for the request (a negative balance blocks free models too). Add credits.',
      url: URL.openrouterCredits,
    },
    'openrouter.raise-key-limit': {
      audience: 'billing-admin',
      title: "Raise the API key's credit limit",
      detail:
        'A key can have its own credit limit; when it is used up the key is refused even if the account has credits.',
      url: URL.openrouterKeys,
    },
    'openrouter.check-limits': {
      audience: 'operator',
      title: "Check the key's limits",
      detail:
        'GET /api/v1/key returns the remaining credit and rate limits of a key; free model variants have low per-minute and per-day request caps.',
      url: URL.openrouterLimits,
    },
    'openrouter.model-fallbacks': {
      audience: 'operator',
      title: 'Configure model fallbacks',
      detail:
        'List alternative models in the request so OpenRouter can route to another model or provider when the first is rate limited or down.',
    },
    'openrouter.check-api-key': {
      audience: 'operator',
      title: 'Check the OpenRouter API key',
      detail: 'Make sure the configured key exists, is enabled and has not been deleted.',
      url: URL.openrouterKeys,
    },

    // --- Mistral ---------------------------------------------------------------------------------
    'mistral.check-limits': {
      audience: 'operator',
      title: "Check the workspace's rate limits",
      detail:
        'Mistral limits requests and tokens per minute and tokens per month per workspace, by tier. Compare the x-ratelimit-*-minute and *-month headers with the limits page.',
      url: URL.mistralLimits,
    },
    'mistral.raise-tier': {
      audience: 'billing-admin',
      title: 'Move the workspace to a higher tier',
      detail:
        'The free (Experiment) tier has small limits; a paid tier with billing set up raises them.',
      url: URL.mistralTiers,
    },
    'mistral.check-billing': {
      audience: 'billing-admin',
      title: 'Check billing and the monthly limit',
      detail:
        'A monthly token limit or an unpaid balance stops every request until billing is fixed or the month turns.',
      url: URL.mistralBilling,
    },
    'mistral.check-api-key': {
      audience: 'operator',
      title: 'Check the Mistral API key',
      detail:
        'Make sure the key exists in the workspace, is not revoked and is sent as a bearer token.',
      url: URL.mistralKeys,
    },

    // --- Cohere ----------------------------------------------------------------------------------
    'cohere.production-key': {
      audience: 'billing-admin',
      title: 'Use a production key',
      detail:
        'Trial keys are free but capped per minute and at 1,000 calls a month (a 30-day rolling window). A production key, with billing set up, lifts the monthly cap.',
      url: URL.cohereKeys,
    },
    'cohere.check-rate-limits': {
      audience: 'operator',
      title: "Check the endpoint's rate limits",
      detail:
        'Cohere limits each endpoint separately, and trial keys far lower than production keys.',
      url: URL.cohereRateLimits,
    },
    'cohere.check-api-key': {
      audience: 'operator',
      title: 'Check the Cohere API key',
      detail:
        'Make sure the configured key exists, is not revoked and is the trial or production key you expect.',
      url: URL.cohereKeys,
    },

    // --- DeepSeek --------------------------------------------------------------------------------
    'deepseek.top-up': {
      audience: 'billing-admin',
      title: 'Top up the DeepSeek balance',
      detail: 'HTTP 402 "Insufficient Balance": the prepaid balance is used up. Add funds.',
      url: URL.deepseekTopUp,
    },
    'deepseek.read-error-codes': {
      audience: 'operator',
      title: "Read DeepSeek's error codes",
      detail:
        'What each status means and what DeepSeek advises (429: pace requests; 503: server overloaded, retry later).',
      url: URL.deepseekErrorCodes,
    },
    'deepseek.check-api-key': {
      audience: 'operator',
      title: 'Check the DeepSeek API key',
      detail: 'Make sure the configured key exists and has not been deleted.',
      url: URL.deepseekKeys,
    },

    // --- xAI -------------------------------------------------------------------------------------
    'xai.buy-credits-or-raise-limit': {
      audience: 'billing-admin',
      title: 'Buy credits or raise the monthly spending limit',
      detail:
        "xAI answers 429 (sometimes 403) when the team has used all its credits or reached its monthly spending limit. Purchase credits or raise the limit in the team's billing settings.",
      url: URL.xaiConsole,
    },
    'xai.check-api-key': {
      audience: 'operator',
      title: 'Check the xAI API key',
      detail: 'Make sure the key belongs to the team you expect, is enabled and allows the model.',
      url: URL.xaiConsole,
    },

    // --- Together AI -----------------------------------------------------------------------------
    'together.check-rate-limits': {
      audience: 'operator',
      title: "Check the account's and the model's rate limits",
      detail:
        'Together limits per account tier and sometimes per model; the x-ratelimit-* headers of every answer show what is left.',
      url: URL.togetherRateLimits,
    },
    'together.upgrade-plan': {
      audience: 'billing-admin',
      title: 'Add credits to leave the free tier',
      detail:
        'Free accounts get low per-minute limits; a paid account with credits gets higher ones.',
      url: URL.togetherBilling,
    },

    // --- Fireworks AI ----------------------------------------------------------------------------
    'fireworks.dedicated-capacity': {
      audience: 'operator',
      title: 'Ask Fireworks for higher limits or dedicated capacity',
      detail:
        'Serverless usage limits are shared per account; sustained traffic above them needs higher limits or an on-demand (dedicated) deployment.',
    },

    // --- Perplexity ------------------------------------------------------------------------------
    'perplexity.check-api-settings': {
      audience: 'billing-admin',
      title: 'Check credits, usage tier and keys',
      detail:
        'The API settings page shows the key, the credit balance and the usage tier that sets the rate limits.',
      url: URL.perplexityApiSettings,
    },

    // --- Local servers (Ollama, vLLM) ------------------------------------------------------------
    'local.check-model-served': {
      audience: 'operator',
      title: 'Check that the server serves the model',
      detail:
        'Ollama answers 404 until the model is pulled (ollama pull <model>); vLLM serves only the model it was started with, under that name.',
    },
    'local.raise-context-length': {
      audience: 'operator',
      title: "Raise the server's context length, if the hardware allows",
      detail:
        "The limit is the server's setting, not the model's maximum: vLLM's --max-model-len, Ollama's num_ctx. Raise it, or send less.",
    },
    'local.check-server-capacity': {
      audience: 'operator',
      title: 'Check the server’s load and memory',
      detail:
        'A self-hosted server that fails or times out is usually out of GPU memory or queue slots: lower concurrency or add replicas.',
    },

    // --- GitHub REST API ---------------------------------------------------------------------------
    'github.wait-for-reset': {
      audience: 'operator',
      title: 'Wait until x-ratelimit-reset before retrying',
      detail:
        'When x-ratelimit-remaining is 0, do not retry before the time in x-ratelimit-reset (UTC epoch seconds, not a delay). For secondary limits, wait the retry-after seconds, else at least a minute.',
      url: URL.githubRateLimits,
    },
    'github.authenticate-requests': {
      audience: 'operator',
      title: 'Authenticate requests',
      detail:
        'Unauthenticated requests share a small per-IP limit; send a token, or use a GitHub App installation token for higher limits.',
      url: URL.githubRateLimits,
    },
    'github.avoid-concurrent-requests': {
      audience: 'operator',
      title: 'Avoid concurrent requests',
      detail:
        'Secondary rate limits punish concurrency and bursts: make requests serially, pause between mutating requests, and avoid polling.',
      url: URL.githubBestPractices,
    },
    'github.conditional-requests': {
      audience: 'operator',
      title: 'Use conditional requests and caching',
      detail:
        'Send If-None-Match / If-Modified-Since with stored ETags; unchanged resources answer 304 and save rate limit.',
      url: URL.githubBestPractices,
    },
    'github.check-token': {
      audience: 'operator',
      title: 'Check the GitHub token',
      detail:
        'Make sure the token is valid, not expired or revoked, and has the scopes or permissions the endpoint needs.',
      url: URL.githubBestPractices,
    },
  }) as const satisfies Record<string, StepInit>)();

export type StepId = keyof typeof STEP_DATA;

/** Every likely cause, by id. */
const CAUSE_DATA = {
  'generic.shared-upstream-limit':
    'The upstream limit is shared by all traffic that uses the same key or account.',
  'generic.burst': 'A burst of requests, retries or parallel work exceeded the per-interval limit.',
  'generic.quota-or-billing':
    'The account ran out of quota, credits or budget, or billing is not set up.',
  'generic.request-too-large':
    'The input plus the requested output exceeds what the model or endpoint accepts in one request.',
  'generic.provider-capacity': 'The provider is short of capacity for this model right now.',
  'generic.invalid-credentials':
    'The configured key or token is wrong, expired, revoked or lacks a permission.',
  'generic.slow-generation': 'A long generation or a slow upstream exceeded the client timeout.',
  'generic.upstream-failure':
    'The upstream failed to process the request, or rejected it as invalid.',

  'openai.free-credits-exhausted':
    'Free trial credits were used up, or expired (they expire after three months).',
  'openai.free-trial-default-org':
    'Requests run under a default organization on a free trial with limited credits.',
  'openai.monthly-budget-too-low': "The monthly budget is set lower than the organization's needs.",
  'openai.high-cost-requests':
    'High-cost requests (large models, long prompts or outputs) consume many credits each.',
  'openai.large-data-set': 'A large or complex data set needs many requests.',
  'openai.prepaid-credits-exhausted': 'The prepaid credit balance is used up.',
  'openai.spend-limit-reached': 'The organization or project reached its spend limit.',
  'openai.second-account-no-credits':
    'The account shares a phone number with an earlier account, so it received no free credits.',
  'openai.rate-limit-exceeded':
    'Requests or tokens per minute or per day exceeded the limit for this model.',
  'openai.low-usage-tier': 'The organization is in a low usage tier with small limits.',
  'openai.request-exceeds-tpm':
    "A single request's input plus max_tokens exceeds the tokens-per-minute limit.",
  'openai.invalid-key': 'The API key is wrong, revoked or deleted.',
  'openai.wrong-org-or-project':
    'The organization or project header names one the key does not belong to.',

  'azure.deployment-tpm-exceeded':
    'The deployment exceeded the tokens- or requests-per-minute rate assigned to it.',
  'azure.no-regional-quota':
    'The subscription has little or no quota for the model in this region (a retry-after of 86400 seconds usually means zero).',
  'azure.trial-subscription': 'A free or trial subscription has little or no Azure OpenAI quota.',
  'azure.key-endpoint-mismatch':
    'The api-key belongs to another resource than the endpoint, or the deployment name is wrong.',

  'anthropic.rate-limit-exceeded':
    'Requests, input tokens or output tokens per minute exceeded the organization limit for the model.',
  'anthropic.acceleration-limit': 'A sharp increase in usage hit an acceleration limit.',
  'anthropic.credit-balance-too-low': 'The organization credit balance is too low.',
  'anthropic.spend-limit-reached': 'The organization or workspace reached its monthly spend limit.',
  'anthropic.overloaded': 'Anthropic is temporarily overloaded across customers (HTTP 529).',
  'anthropic.request-size-limit':
    'The request exceeds the maximum request size or the model context window.',

  'google.per-minute-quota':
    'A per-minute or per-day quota of the project for this model is used up.',
  'google.free-tier':
    'The project is on the free tier, whose limits are low and exclude some models.',
  'google.limit-zero':
    'The quota limit is 0: the project tier has no quota for this model (billing not enabled).',
  'google.vertex-shared-capacity':
    'Vertex AI shared pay-as-you-go capacity for the model was not available.',

  'bedrock.on-demand-quota':
    'On-demand requests or tokens per minute for the model in this Region were exceeded.',
  'bedrock.service-quota-exceeded': 'An account service quota for Amazon Bedrock was exceeded.',
  'bedrock.iam-or-model-access':
    'The credentials lack permission, have expired, or the model is not enabled in the Region.',

  'openrouter.insufficient-credits':
    'The OpenRouter account has too few credits (or a negative balance).',
  'openrouter.key-credit-limit': 'The API key reached its own credit limit.',
  'openrouter.free-model-limits':
    'Free model variants have low per-minute and per-day request caps.',

  'mistral.tier-limit':
    "The workspace exceeded its tier's requests or tokens per minute (or tokens per month).",
  'mistral.shared-capacity':
    "Mistral's shared capacity for the model and service tier was exhausted, across customers.",
  'cohere.trial-key-limits':
    'A trial key hit its per-minute limit or its allowance of 1,000 calls a month.',
  'deepseek.balance-exhausted': 'The prepaid DeepSeek balance is used up.',
  'xai.credits-or-spending-limit':
    'The xAI team used all its credits or reached its monthly spending limit.',
  'together.free-tier-limits': 'Free Together accounts and some models have low per-minute limits.',
  'fireworks.serverless-limits': 'The account exceeded the serverless usage limits of Fireworks.',
  'local.model-or-context':
    'The local server does not serve that model, or its configured context length is smaller than the request.',
  'github.primary-limit':
    'The hourly primary rate limit of the token (or of the IP, for unauthenticated requests) is used up.',
  'github.secondary-limit':
    'A secondary rate limit was hit: too many concurrent requests, too many requests to one endpoint per minute, or too much compute time.',
  'github.token-invalid': 'The token is invalid, expired, revoked or lacks a scope.',
} as const satisfies Record<string, string>;

export type CauseId = keyof typeof CAUSE_DATA;

function deepFreezeSteps(): Readonly<Record<StepId, RemediationStep>> {
  const out = {} as Record<StepId, RemediationStep>;
  for (const id of Object.keys(STEP_DATA) as StepId[]) {
    out[id] = Object.freeze({ id, ...STEP_DATA[id] }) as RemediationStep;
  }
  return Object.freeze(out);
}

function freezeCauses(): Readonly<Record<CauseId, RemediationCause>> {
  const out = {} as Record<CauseId, RemediationCause>;
  for (const id of Object.keys(CAUSE_DATA) as CauseId[]) {
    out[id] = Object.freeze({ id, text: CAUSE_DATA[id] });
  }
  return Object.freeze(out);
}

/** Every remediation step four29 knows, by id. Frozen. */
export const STEPS = /* @__PURE__ */ deepFreezeSteps();
/** Every cause four29 knows, by id. Frozen. */
export const CAUSES = /* @__PURE__ */ freezeCauses();

/** Which causes and steps apply to one situation; ids only, resolved at load time. */
export interface Entry {
  readonly causes: readonly CauseId[];
  readonly steps: readonly StepId[];
}

type KindTable = Partial<Record<UpstreamErrorKind, Entry>>;

/**
 * Steps that apply whatever the provider, merged after the provider's own. Caller steps are what a
 * downstream client can do by itself: wait, slow down, shrink the request. Quota and credentials
 * have none: only the operator can fix those.
 */
export const GENERIC: Readonly<Record<UpstreamErrorKind, Entry>> = {
  rate_limited: {
    causes: ['generic.shared-upstream-limit', 'generic.burst'],
    steps: [
      'generic.retry-after',
      'generic.slow-down',
      'generic.backoff-with-jitter',
      'generic.limit-concurrency',
    ],
  },
  quota_exhausted: {
    causes: ['generic.quota-or-billing'],
    steps: ['generic.stop-retrying-quota', 'generic.alert-a-human', 'generic.fallback-provider'],
  },
  request_too_large: {
    causes: ['generic.request-too-large'],
    steps: ['generic.shrink-request', 'generic.truncate-or-chunk'],
  },
  overloaded: {
    causes: ['generic.provider-capacity'],
    steps: ['generic.retry-after', 'generic.backoff-with-jitter', 'generic.fallback-model'],
  },
  upstream_auth: {
    causes: ['generic.invalid-credentials'],
    steps: ['generic.check-credentials', 'generic.alert-a-human'],
  },
  upstream_timeout: {
    causes: ['generic.slow-generation'],
    steps: ['generic.retry-if-retryable', 'generic.review-timeouts', 'generic.backoff-with-jitter'],
  },
  upstream_error: {
    causes: ['generic.upstream-failure'],
    steps: ['generic.retry-if-retryable', 'generic.quote-request-id'],
  },
};

/**
 * Added when the catalogue has nothing for the provider and kind: what a provider-specific entry
 * would say more precisely.
 */
export const GENERIC_FALLBACK: Readonly<Partial<Record<UpstreamErrorKind, Entry>>> = {
  rate_limited: { causes: [], steps: ['generic.request-higher-limit'] },
  overloaded: { causes: [], steps: ['generic.check-status-page'] },
  upstream_timeout: { causes: [], steps: ['generic.check-status-page'] },
  upstream_error: { causes: [], steps: ['generic.check-status-page'] },
};

const OPENAI_QUOTA: Entry = {
  causes: [
    'openai.free-credits-exhausted',
    'openai.free-trial-default-org',
    'openai.monthly-budget-too-low',
    'openai.high-cost-requests',
    'openai.large-data-set',
    'openai.prepaid-credits-exhausted',
    'openai.second-account-no-credits',
  ],
  // The order of OpenAI's own resolution guide: review, raise, upgrade, re-key, wait, monitor.
  steps: [
    'openai.review-usage-and-budget',
    'openai.raise-monthly-budget',
    'openai.request-limit-increase',
    'openai.upgrade-to-paid-plan',
    'openai.add-payment-method',
    'openai.add-credits',
    'openai.new-key-after-upgrade',
    'openai.wait-after-upgrade',
    'openai.monitor-usage',
    'openai.set-spend-caps',
    'openai.replace-old-keys',
    'openai.free-credits-first-account-only',
    'openai.read-quota-guide',
  ],
};

const OPENAI_SPEND_LIMIT: Entry = /* @__PURE__ */ (() => ({
  causes: ['openai.spend-limit-reached', ...OPENAI_QUOTA.causes],
  steps: OPENAI_QUOTA.steps,
}))();

const OPENAI_CREDITS: Entry = /* @__PURE__ */ (() => ({
  causes: ['openai.prepaid-credits-exhausted', ...OPENAI_QUOTA.causes],
  steps: ['openai.add-credits', ...OPENAI_QUOTA.steps],
}))();

/** Ollama and vLLM: self-hosted, so no limits or billing, only the server's own setup. */
const LOCAL_SERVER: KindTable = {
  request_too_large: {
    causes: ['local.model-or-context'],
    steps: ['local.raise-context-length'],
  },
  upstream_timeout: { causes: [], steps: ['local.check-server-capacity'] },
  upstream_error: {
    causes: ['local.model-or-context'],
    steps: ['local.check-model-served', 'local.check-server-capacity'],
  },
};

/** Per provider and kind: the provider's own causes and steps, most specific first. */
export const PROVIDERS: Readonly<Record<string, KindTable>> = {
  openai: {
    rate_limited: {
      causes: ['openai.rate-limit-exceeded', 'openai.low-usage-tier'],
      steps: [
        'openai.pace-requests',
        'generic.lower-max-tokens',
        'openai.batch-requests',
        'openai.raise-usage-tier',
      ],
    },
    quota_exhausted: OPENAI_QUOTA,
    request_too_large: {
      causes: ['openai.request-exceeds-tpm'],
      steps: ['generic.lower-max-tokens', 'openai.raise-usage-tier'],
    },
    overloaded: { causes: [], steps: ['openai.check-status'] },
    upstream_auth: {
      causes: ['openai.invalid-key', 'openai.wrong-org-or-project'],
      steps: ['openai.check-api-key', 'openai.check-organization-and-project-headers'],
    },
    upstream_timeout: { causes: [], steps: ['generic.lower-max-tokens', 'openai.check-status'] },
    upstream_error: { causes: [], steps: ['openai.read-error-codes', 'openai.check-status'] },
  },
  'azure-openai': {
    rate_limited: {
      causes: ['azure.deployment-tpm-exceeded'],
      steps: [
        'azure.raise-deployment-tpm',
        'generic.lower-max-tokens',
        'azure.spread-across-deployments',
        'azure.request-quota-increase',
      ],
    },
    quota_exhausted: {
      causes: ['azure.no-regional-quota', 'azure.trial-subscription'],
      steps: [
        'azure.request-quota-increase',
        'azure.raise-deployment-tpm',
        'azure.upgrade-trial-subscription',
        'azure.spread-across-deployments',
      ],
    },
    request_too_large: { causes: [], steps: ['generic.lower-max-tokens'] },
    overloaded: { causes: [], steps: ['azure.spread-across-deployments'] },
    upstream_auth: {
      causes: ['azure.key-endpoint-mismatch'],
      steps: ['azure.check-key-and-endpoint'],
    },
    upstream_timeout: {
      causes: [],
      steps: ['generic.lower-max-tokens', 'azure.spread-across-deployments'],
    },
    upstream_error: { causes: [], steps: ['azure.spread-across-deployments'] },
  },
  anthropic: {
    rate_limited: {
      causes: ['anthropic.rate-limit-exceeded', 'anthropic.acceleration-limit'],
      steps: [
        'anthropic.read-rate-limits',
        'generic.lower-max-tokens',
        'anthropic.ramp-up-gradually',
        'anthropic.use-message-batches',
        'anthropic.raise-tier',
      ],
    },
    quota_exhausted: {
      causes: ['anthropic.credit-balance-too-low', 'anthropic.spend-limit-reached'],
      steps: ['anthropic.buy-credits', 'anthropic.raise-spend-limit', 'anthropic.raise-tier'],
    },
    request_too_large: {
      causes: ['anthropic.request-size-limit'],
      steps: ['anthropic.read-errors'],
    },
    overloaded: {
      causes: ['anthropic.overloaded'],
      steps: ['anthropic.check-status'],
    },
    upstream_auth: { causes: [], steps: ['anthropic.check-api-key'] },
    upstream_timeout: {
      causes: [],
      steps: ['generic.lower-max-tokens', 'anthropic.check-status'],
    },
    upstream_error: { causes: [], steps: ['anthropic.read-errors', 'anthropic.check-status'] },
  },
  google: {
    rate_limited: {
      causes: ['google.per-minute-quota', 'google.free-tier', 'google.vertex-shared-capacity'],
      steps: [
        'google.check-rate-limits',
        'google.upgrade-tier',
        'google.vertex-global-endpoint',
        'google.vertex-request-quota-increase',
        'google.vertex-provisioned-throughput',
      ],
    },
    quota_exhausted: {
      causes: ['google.limit-zero', 'google.per-minute-quota', 'google.free-tier'],
      steps: [
        'google.enable-billing',
        'google.upgrade-tier',
        'google.check-rate-limits',
        'google.vertex-review-quotas',
        'google.vertex-request-quota-increase',
      ],
    },
    request_too_large: { causes: [], steps: [] },
    overloaded: {
      causes: ['google.vertex-shared-capacity'],
      steps: ['google.vertex-global-endpoint', 'google.vertex-provisioned-throughput'],
    },
    upstream_auth: { causes: [], steps: ['google.check-api-key'] },
    upstream_timeout: { causes: [], steps: ['google.vertex-global-endpoint'] },
    upstream_error: { causes: [], steps: [] },
  },
  bedrock: {
    rate_limited: {
      causes: ['bedrock.on-demand-quota'],
      steps: [
        'bedrock.sdk-retry-mode',
        'bedrock.cross-region-inference',
        'generic.lower-max-tokens',
        'bedrock.review-quotas',
        'bedrock.request-quota-increase',
        'bedrock.provisioned-throughput',
      ],
    },
    quota_exhausted: {
      causes: ['bedrock.service-quota-exceeded'],
      steps: [
        'bedrock.review-quotas',
        'bedrock.request-quota-increase',
        'bedrock.cross-region-inference',
        'bedrock.provisioned-throughput',
      ],
    },
    request_too_large: { causes: [], steps: ['generic.lower-max-tokens'] },
    overloaded: {
      causes: [],
      steps: ['bedrock.cross-region-inference', 'bedrock.provisioned-throughput'],
    },
    upstream_auth: {
      causes: ['bedrock.iam-or-model-access'],
      steps: ['bedrock.check-iam-and-model-access'],
    },
    upstream_timeout: { causes: [], steps: ['bedrock.sdk-retry-mode'] },
    upstream_error: { causes: [], steps: ['bedrock.sdk-retry-mode'] },
  },
  openrouter: {
    rate_limited: {
      causes: ['openrouter.free-model-limits'],
      steps: ['openrouter.check-limits', 'openrouter.model-fallbacks', 'openrouter.add-credits'],
    },
    quota_exhausted: {
      causes: ['openrouter.insufficient-credits', 'openrouter.key-credit-limit'],
      steps: ['openrouter.add-credits', 'openrouter.raise-key-limit', 'openrouter.check-limits'],
    },
    request_too_large: { causes: [], steps: ['generic.lower-max-tokens'] },
    overloaded: { causes: [], steps: ['openrouter.model-fallbacks'] },
    upstream_auth: { causes: [], steps: ['openrouter.check-api-key'] },
    upstream_timeout: { causes: [], steps: ['openrouter.model-fallbacks'] },
    upstream_error: { causes: [], steps: ['openrouter.model-fallbacks'] },
  },
  mistral: {
    rate_limited: {
      causes: ['mistral.tier-limit'],
      steps: ['mistral.check-limits', 'generic.lower-max-tokens', 'mistral.raise-tier'],
    },
    quota_exhausted: {
      causes: ['mistral.tier-limit'],
      steps: ['mistral.check-billing', 'mistral.raise-tier', 'mistral.check-limits'],
    },
    overloaded: { causes: ['mistral.shared-capacity'], steps: ['mistral.raise-tier'] },
    upstream_auth: { causes: [], steps: ['mistral.check-api-key'] },
  },
  cohere: {
    rate_limited: {
      causes: ['cohere.trial-key-limits'],
      steps: ['cohere.check-rate-limits', 'cohere.production-key'],
    },
    quota_exhausted: {
      causes: ['cohere.trial-key-limits'],
      steps: ['cohere.production-key', 'cohere.check-rate-limits'],
    },
    upstream_auth: { causes: [], steps: ['cohere.check-api-key'] },
  },
  deepseek: {
    rate_limited: { causes: [], steps: ['deepseek.read-error-codes'] },
    quota_exhausted: { causes: ['deepseek.balance-exhausted'], steps: ['deepseek.top-up'] },
    overloaded: { causes: [], steps: ['deepseek.read-error-codes'] },
    upstream_auth: { causes: [], steps: ['deepseek.check-api-key'] },
    upstream_error: { causes: [], steps: ['deepseek.read-error-codes'] },
  },
  xai: {
    quota_exhausted: {
      causes: ['xai.credits-or-spending-limit'],
      steps: ['xai.buy-credits-or-raise-limit'],
    },
    upstream_auth: { causes: [], steps: ['xai.check-api-key'] },
  },
  together: {
    rate_limited: {
      causes: ['together.free-tier-limits'],
      steps: ['together.check-rate-limits', 'together.upgrade-plan'],
    },
    quota_exhausted: { causes: [], steps: ['together.upgrade-plan'] },
  },
  fireworks: {
    rate_limited: {
      causes: ['fireworks.serverless-limits'],
      steps: ['fireworks.dedicated-capacity'],
    },
  },
  perplexity: {
    rate_limited: { causes: [], steps: ['perplexity.check-api-settings'] },
    quota_exhausted: { causes: [], steps: ['perplexity.check-api-settings'] },
    upstream_auth: { causes: [], steps: ['perplexity.check-api-settings'] },
  },
  ollama: LOCAL_SERVER,
  vllm: LOCAL_SERVER,
  github: {
    rate_limited: {
      causes: ['github.primary-limit', 'github.secondary-limit'],
      steps: [
        'github.wait-for-reset',
        'github.authenticate-requests',
        'github.avoid-concurrent-requests',
        'github.conditional-requests',
      ],
    },
    quota_exhausted: {
      causes: ['github.primary-limit'],
      steps: ['github.wait-for-reset', 'github.authenticate-requests'],
    },
    upstream_auth: { causes: ['github.token-invalid'], steps: ['github.check-token'] },
  },
};

/**
 * Variants picked by the provider's own error code, for codes that pin the cause down further.
 * Keys are lower-cased codes.
 */
export const BY_CODE: Readonly<
  Record<string, Partial<Record<UpstreamErrorKind, Record<string, Entry>>>>
> = {
  openai: {
    quota_exhausted: {
      organization_spend_limit_exceeded: OPENAI_SPEND_LIMIT,
      project_spend_limit_exceeded: OPENAI_SPEND_LIMIT,
      credit_balance_exhausted: OPENAI_CREDITS,
    },
  },
  anthropic: {
    quota_exhausted: {
      enforced_spend_limit_reached: {
        causes: ['anthropic.spend-limit-reached'],
        steps: ['anthropic.raise-spend-limit', 'anthropic.raise-tier', 'anthropic.buy-credits'],
      },
      billing_error: {
        causes: ['anthropic.credit-balance-too-low'],
        steps: ['anthropic.buy-credits', 'anthropic.raise-spend-limit'],
      },
    },
  },
  openrouter: {
    quota_exhausted: {
      // OpenRouter's numeric code, as a string.
      '402': {
        causes: ['openrouter.insufficient-credits', 'openrouter.key-credit-limit'],
        steps: ['openrouter.add-credits', 'openrouter.raise-key-limit'],
      },
    },
  },
};
