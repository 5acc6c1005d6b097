/**
 * Realistic credentials and account identifiers, in each provider's real format, seeded into
 * upstream errors and downstream requests. Each one is unique and long enough that any fragment
 * of it found in a response or a log line is a leak, not a coincidence.
 */
import type { RecordedResponse, UpstreamFixture } from '@four29/fixtures';

/** Deterministic filler from a fixed alphabet (mulberry32), so every run seeds the same values. */
function filler(seed: number, length: number, alphabet: string): string {
  let a = seed * 0x9e3779b9;
  let out = '';
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out += alphabet[((t ^ (t >>> 14)) >>> 0) % alphabet.length];
  }
  return out;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';

function uuid(seed: number): string {
  const h = filler(seed, 32, HEX);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`;
}

/** Secrets on the upstream side: what the service itself uses and what providers echo back. */
export const SECRETS = {
  /** OpenAI project key (the current default format). */
  openaiProjectKey: `sk-proj-${filler(1, 156, B64URL)}`,
  /** OpenAI service-account key. */
  openaiServiceAccountKey: `sk-svcacct-${filler(2, 120, B64URL)}`,
  /** OpenAI legacy user key, with the `T3BlbkFJ` marker real ones carry. */
  openaiLegacyKey: `sk-${filler(3, 20, ALNUM)}T3BlbkFJ${filler(4, 20, ALNUM)}`,
  /** OpenAI's own masked echo in 401 messages still carries a prefix and suffix. */
  openaiMaskedKey: `sk-proj-${filler(5, 6, ALNUM)}${'*'.repeat(40)}${filler(6, 4, ALNUM)}`,
  anthropicKey: `sk-ant-api03-${filler(7, 93, B64URL)}AA`,
  anthropicAdminKey: `sk-ant-admin01-${filler(8, 93, B64URL)}AA`,
  googleApiKey: `AIzaSy${filler(9, 33, B64URL)}`,
  /** Azure OpenAI `api-key`: 32 hex characters, no prefix. */
  azureApiKey: filler(10, 32, HEX),
  /** A Microsoft Entra ID access token (JWT) sent as a bearer token to Azure OpenAI. */
  entraBearerToken: `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${filler(11, 180, B64URL)}.${filler(12, 86, B64URL)}`,
  /** A Google OAuth access token (Vertex AI). */
  googleAccessToken: `ya29.a0${filler(13, 150, B64URL)}`,
  /** An opaque bearer token of an internal gateway. */
  opaqueBearerToken: `gw_${filler(14, 40, ALNUM)}9`,
  openaiOrgId: `org-${filler(15, 24, ALNUM)}`,
  openaiProjectId: `proj_${filler(16, 24, ALNUM)}`,
  anthropicOrgId: uuid(17),
  awsAccessKeyId: `AKIA${filler(18, 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
  githubToken: `ghp_${filler(19, 36, ALNUM)}`,
  /** A Google Cloud project number, as Gemini and Vertex AI quote it (`project_number:…`). */
  googleProjectNumber: `9${filler(22, 11, '0123456789')}`,
  /** An AWS account id, as Bedrock's AccessDenied quotes it inside an ARN. */
  awsAccountId: `7${filler(23, 11, '0123456789')}`,
} as const;

/** Secrets on the downstream side: what our own client sends us. They must not reach logs either. */
export const CLIENT_SECRETS = {
  bearer: `sk-proj-${filler(20, 120, B64URL)}`,
  queryKey: `AIzaSy${filler(21, 33, B64URL)}`,
} as const;

export type SecretName = keyof typeof SECRETS;

export const ALL_SECRETS: readonly string[] = [
  ...Object.values(SECRETS),
  ...Object.values(CLIENT_SECRETS),
];

/**
 * Each secret as it appears in real text. Most formats are recognizable on their own; an Azure key
 * (32 hex digits), an opaque gateway token and an account uuid only with the label next to them,
 * and without it no redactor can tell them from a request id: they are planted labelled.
 */
export const PLANTED: readonly string[] = [
  ...Object.entries(SECRETS).map(([name, secret]) => {
    if (name === 'azureApiKey') return `api-key: ${secret}`;
    if (name === 'opaqueBearerToken') return `Bearer ${secret}`;
    if (name === 'anthropicOrgId') return `organization (${secret})`;
    if (name === 'googleProjectNumber') return `project_number:${secret}`;
    if (name === 'awsAccountId') return `arn:aws:iam::${secret}:user/alice`;
    return secret;
  }),
  ...Object.values(CLIENT_SECRETS),
];

/** The secrets recognizable without a label: what may sit alone in a path, query or id. */
export const SELF_IDENTIFYING: readonly string[] = PLANTED.filter((p) => ALL_SECRETS.includes(p));

/**
 * Fragments to search for: the whole secret, and a distinctive run from its tail (which survives
 * if a redaction pattern stopped early or a cut went through the middle). For the masked OpenAI
 * echo, only the unmasked suffix and prefix are secret.
 */
export function fragments(secret: string): string[] {
  if (secret === SECRETS.openaiMaskedKey) return [secret, secret.slice(0, 14)];
  const tail = secret.slice(-12);
  return [secret, tail];
}

/** Every seeded secret fragment found in `text`, with the secret's name. */
export function leaksIn(text: string | Buffer): string[] {
  const found: string[] = [];
  const entries: [string, string][] = [
    ...Object.entries(SECRETS),
    ...Object.entries(CLIENT_SECRETS).map(([k, v]): [string, string] => [`client.${k}`, v]),
  ];
  for (const [name, secret] of entries) {
    for (const fragment of fragments(secret)) {
      if (text.includes(fragment)) {
        found.push(`${name} (${fragment.slice(0, 24)}…)`);
        break;
      }
    }
  }
  return found;
}

/** A non-secret marker planted in every upstream message: it may be logged, never sent downstream. */
export const CANARY = 'CANARY-UPSTREAM-WORDING-7f3a';

/**
 * The sentence planted into upstream messages, in the places real providers and gateways put
 * credentials and account ids: masked key echoes, URLs with `?key=`, `api-key:` and bearer
 * headers quoted by gateways, organization and project names in rate-limit texts.
 */
export function seededSentence(): string {
  const s = SECRETS;
  return [
    CANARY,
    `Incorrect API key provided: ${s.openaiMaskedKey}.`,
    `Key ${s.openaiProjectKey} (also tried ${s.openaiServiceAccountKey} and ${s.openaiLegacyKey})`,
    `in organization ${s.openaiOrgId} project ${s.openaiProjectId}`,
    `for your organization (${s.anthropicOrgId}) with x-api-key: ${s.anthropicKey}, admin ${s.anthropicAdminKey}`,
    `GET https://generativelanguage.googleapis.com/v1beta/models/gemini:generateContent?key=${s.googleApiKey}&alt=sse`,
    `api-key: ${s.azureApiKey}`,
    `Authorization: Bearer ${s.entraBearerToken}`,
    `authorization="Bearer ${s.googleAccessToken}"`,
    `Bearer ${s.opaqueBearerToken}`,
    `aws ${s.awsAccessKeyId} github ${s.githubToken}`,
    `for consumer 'project_number:${s.googleProjectNumber}'`,
    `User: arn:aws:iam::${s.awsAccountId}:user/alice is not authorized to perform: bedrock:InvokeModel`,
  ].join(' ');
}

/** Headers a misbehaving upstream or gateway echoes back, credentials and account ids included. */
export function seededHeaders(): Record<string, string> {
  const s = SECRETS;
  return {
    authorization: `Bearer ${s.entraBearerToken}`,
    'api-key': s.azureApiKey,
    'x-api-key': s.anthropicKey,
    'x-goog-api-key': s.googleApiKey,
    'openai-organization': s.openaiOrgId,
    'openai-project': s.openaiProjectId,
    'anthropic-organization-id': s.anthropicOrgId,
    'set-cookie': `session=${s.opaqueBearerToken}; HttpOnly`,
    'x-echo-url': `https://api.example.com/v1/x?key=${s.googleApiKey}`,
  };
}

const MESSAGE_KEYS = new Set(['message', 'detail', 'Message', 'error_description', 'title']);

/** Appends the seeded sentence to every message-like string in a JSON body (any depth). */
function seedJson(value: unknown, depth = 0): unknown {
  if (depth > 12) return value;
  if (Array.isArray(value)) return value.map((v) => seedJson(v, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] =
      typeof v === 'string' && MESSAGE_KEYS.has(key)
        ? `${v} ${seededSentence()}`
        : seedJson(v, depth + 1);
  }
  return out;
}

/**
 * A fixture's recorded response with secrets seeded everywhere an upstream could put them:
 * echoed request headers, every message, an echo of the request in the body, and the body text
 * itself for non-JSON bodies.
 */
export function seededResponse(fixture: UpstreamFixture, now: number): RecordedResponse {
  const r = fixture.respond(now);
  const body =
    typeof r.body === 'string'
      ? `${r.body}\n<!-- ${seededSentence()} -->`
      : Array.isArray(r.body)
        ? seedJson(r.body)
        : {
            ...(seedJson(r.body) as Record<string, unknown>),
            echo: {
              url: `https://api.example.com/v1?key=${SECRETS.googleApiKey}`,
              headers: seededHeaders(),
            },
          };
  return { status: r.status, headers: { ...r.headers, ...seededHeaders() }, body };
}

/** Upstream request ids a fixture carries (headers and body): they are for logs, never for clients. */
export function upstreamRequestIds(r: RecordedResponse): string[] {
  const ids: string[] = [];
  for (const name of [
    'x-request-id',
    'request-id',
    'apim-request-id',
    'x-amzn-requestid',
    'x-github-request-id',
  ]) {
    const v = r.headers[name];
    if (v !== undefined && v.length >= 8) ids.push(v);
  }
  const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  for (const m of text.matchAll(/"request_id"\s*:\s*"([^"]{8,})"/g))
    if (m[1] !== undefined) ids.push(m[1]);
  return ids;
}
