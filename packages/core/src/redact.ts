import type { RedactionOptions } from './types.js';

const DEFAULT_REPLACEMENT = '[REDACTED]';

/** Bound on redaction passes: each pass that changes the text is followed by one that checks it. */
const MAX_PASSES = 4;

/** Longest upstream message kept for logs; provider messages are a few hundred characters at most. */
export const MAX_MESSAGE_LENGTH = 1000;

/** Longest text the patterns run over: what is kept, with room for a key cut at the edge. */
const MAX_SCAN_LENGTH = MAX_MESSAGE_LENGTH * 4;

/**
 * Secret and account-identifier shapes seen in upstream messages. A first capture group, when a
 * pattern has one, is a label that is kept (`key=`, `organization (`) so the message still reads.
 * Specific key prefixes run before the generic `sk-` one. Opaque keys start where no letter or digit
 * precedes them, or right after a percent-encoded byte, once or twice encoded: `\b` missed `…%3Fkey%3DAIza…`.
 */
const OPAQUE_START = '(?:^|[^A-Za-z0-9]|%(?:25)?[0-9A-Fa-f]{2})';

/**
 * An opaque key: `literal` where an opaque key can start (see above), then `rest`. The literal
 * comes first and the start is checked behind it: a pattern that opens with the lookbehind makes the
 * regex engine try it at every position instead of searching for the literal, ten times slower on a
 * typical upstream message, which is redacted on every handled error.
 */
function opaque(literal: string, rest: string): RegExp {
  return new RegExp(`${literal}(?<=${OPAQUE_START}${literal})${rest}`, 'g');
}

/**
 * A built-in pattern and the literal text (lower-case) that anything it matches contains, in the
 * same case-insensitive sense as {@link MAY_HOLD_SECRET}: a string with none of them cannot hold a
 * match, so the pattern's replace pass is skipped. OpenAI's rate-limit message holds `org` and
 * `account`, so two of eighteen patterns run on it instead of all.
 */
interface GatedPattern {
  readonly pattern: RegExp;
  readonly literals: readonly string[];
}

const GATED_PATTERNS: readonly GatedPattern[] = [
  // Masked keys ("sk-proj-abc*****wxyz", "1a2b3c4d****9f0e", "****9f0e") still leak a prefix and
  // a suffix. First, so the generic key pattern below cannot eat the prefix and leave the suffix
  // behind. Linear: a match starts only where a run of key characters (or of stars) starts, and
  // the key characters on each side are bounded; the unanchored, unbounded form backtracked
  // quadratically on "sk-sk-sk-…" and on long runs of letters or stars.
  {
    pattern:
      /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{1,200}\*{3,}[A-Za-z0-9_-]{0,200}|(?<!\*)\*{3,}[A-Za-z0-9_-]{1,200}/g,
    literals: ['***'],
  },
  // Anthropic keys: sk-ant-api03-…, sk-ant-admin01-…
  { pattern: opaque('sk-ant-', '[A-Za-z0-9_-]{8,}'), literals: ['sk-ant-'] },
  // OpenAI project, service-account and legacy keys, OpenRouter keys: sk-proj-…, sk-svcacct-…, sk-or-v1-…
  { pattern: opaque('sk-', '[A-Za-z0-9_-]{16,}'), literals: ['sk-'] },
  // Google API keys.
  { pattern: opaque('AIza', '[0-9A-Za-z_-]{20,}'), literals: ['aiza'] },
  // Google OAuth access tokens (Vertex AI) and JWTs (Entra ID and other bearer tokens).
  { pattern: opaque(String.raw`ya29\.`, '[A-Za-z0-9._-]{20,}'), literals: ['ya29.'] },
  {
    pattern: opaque('eyJ', String.raw`[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`),
    literals: ['eyj'],
  },
  // Bearer tokens. The value must look like a credential (a digit, or long), so prose such as
  // "bearer authentication failed" stays readable.
  {
    pattern:
      /\b(Bearer\s+)(?=[A-Za-z0-9._~+/=-]*\d|[A-Za-z0-9._~+/=-]{20})[A-Za-z0-9._~+/=-]{8,}/gi,
    literals: ['bearer'],
  },
  // Basic credentials are base64; same rule, so "Basic tier" is not a secret.
  {
    pattern: /\b(Basic\s+)(?=[A-Za-z0-9+/]*[\d=]|[A-Za-z0-9+/]{20})[A-Za-z0-9+/]{8,}={0,2}/g,
    literals: ['basic'],
  },
  // key=… / api-key: … in URLs or messages (Gemini puts `?key=` in URLs; Azure uses `api-key`).
  {
    pattern:
      /\b((?:api[-_]?key|key|access[-_]?token|token|secret|password)["']?\s*[:=]\s*["']?)[^\s"'&,;)]{6,}/gi,
    literals: ['key', 'token', 'secret', 'password'],
  },
  // AWS access key ids.
  { pattern: opaque('(?:AKIA|ASIA)', String.raw`[0-9A-Z]{16}\b`), literals: ['akia', 'asia'] },
  // GitHub tokens.
  {
    pattern: opaque('gh[pousr]_', '[A-Za-z0-9]{20,}'),
    literals: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
  },
  { pattern: opaque('github_pat_', '[A-Za-z0-9_]{20,}'), literals: ['github_pat_'] },
  // OpenAI organization and project ids; Groq's organization ids (org_01…).
  { pattern: opaque('org-', '[A-Za-z0-9]{6,}'), literals: ['org-'] },
  { pattern: opaque('proj_', '[A-Za-z0-9]{6,}'), literals: ['proj_'] },
  { pattern: opaque('org_', '[A-Za-z0-9]{10,}'), literals: ['org_'] },
  // Anthropic's "for your organization (<uuid>)", "(org: <uuid>, model: …)" and similar account
  // uuids next to the word.
  {
    pattern:
      /\b((?:organi[sz]ation|org|project|account|workspace|team)\s*(?:id)?\s*[:(]?\s*)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi,
    // xAI: "Your team <uuid> has either used all available credits …"
    literals: ['org', 'project', 'account', 'workspace', 'team'],
  },
  // Google Cloud project numbers (Gemini and Vertex AI quota and SERVICE_DISABLED messages):
  // "for consumer 'project_number:123456789012'", "projects/123456789012",
  // "not been used in project 123456789012", "?project=123456789012".
  { pattern: /\b(project_number:\s?|projects\/|project[\s=])\d{6,20}\b/gi, literals: ['project'] },
  // AWS account ids inside ARNs (Bedrock AccessDenied: "User: arn:aws:iam::123456789012:user/alice
  // is not authorized"): the account goes, the service and resource stay readable.
  {
    pattern: /\b(arn:aws[a-z-]{0,20}:[a-z0-9-]{0,64}:[a-z0-9-]{0,32}:)\d{12}(?=:)/gi,
    literals: ['arn:aws'],
  },
];

export const BUILT_IN_PATTERNS: readonly RegExp[] = GATED_PATTERNS.map((g) => g.pattern);

/** Each built-in pattern's literals, in pattern order (for the gate's tests). */
export const BUILT_IN_LITERALS: readonly (readonly string[])[] = GATED_PATTERNS.map(
  (g) => g.literals,
);

/**
 * Any of the built-in patterns' literals, in one scan (compared the same case-insensitive way). A
 * string with none of them (an HTTP method, a path, an error code) cannot hold a match, and one
 * scan here saves a replace pass per pattern. Built from the literals, so it cannot fall behind.
 */
export const MAY_HOLD_SECRET = new RegExp(
  [...new Set(BUILT_IN_LITERALS.flat())]
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|'),
  'i',
);

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL_CHAR = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function holdsAny(text: string, literals: readonly string[]): boolean {
  for (const literal of literals) if (text.includes(literal)) return true;
  return false;
}

function applyBuiltIns(text: string, replacement: string): string {
  let out = text;
  let lower = out.toLowerCase();
  for (const { pattern, literals } of GATED_PATTERNS) {
    if (!holdsAny(lower, literals)) continue;
    const next = applyPattern(out, pattern, replacement);
    if (next === out) continue;
    // The replacement may bring or remove literals the later patterns look for.
    out = next;
    lower = out.toLowerCase();
  }
  return out;
}

function applyPattern(text: string, pattern: RegExp, replacement: string): string {
  return text.replace(pattern, (_match: string, label: unknown) =>
    typeof label === 'string' ? `${label}${replacement}` : replacement,
  );
}

/**
 * A string field that leaves us (a log field, a hand-built remediation step): redacted, then cut to
 * `max` characters plus `…`; undefined for anything that is not a non-empty string.
 */
export function redactedString(
  value: unknown,
  max: number,
  options?: RedactionOptions,
): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  // Redact before cutting: a cut through a key would leave a prefix no pattern recognizes.
  const out = redact(value, options);
  if (out.length === 0) return undefined;
  return out.length > max ? `${out.slice(0, max)}…` : out;
}

/**
 * Removes API keys, bearer tokens and organization/project ids from a string, and bounds its length.
 * Never throws: anything that is not a string comes back as an empty string.
 */
export function redact(text: unknown, options?: RedactionOptions): string {
  if (typeof text !== 'string') return '';
  const replacement =
    typeof options?.replacement === 'string' ? options.replacement : DEFAULT_REPLACEMENT;
  const extra: unknown = options?.patterns;
  let out = text;
  // Until nothing changes (a few passes at most): a replacement can expose a key to a pattern that
  // already ran ("organization <uuid>sk-…": the key's start is only visible once the uuid is
  // gone), and so can a control character turned into a space ("Bearer\u0085<token>"). One call
  // must be enough: the message classify() redacted is not redacted again for the log record.
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    // Bound before matching, on every pass: regexes over a 10 MB body would cost more than the
    // request did, and a user pattern that matches the empty string grows the text each pass.
    if (out.length > MAX_SCAN_LENGTH) out = out.slice(0, MAX_SCAN_LENGTH);
    const before = out;
    if (MAY_HOLD_SECRET.test(out)) out = applyBuiltIns(out, replacement);
    out = applyExtra(out, replacement, extra);
    // Line breaks and other control characters would let an upstream message forge log lines in
    // text log formats, and terminal escapes would reach whoever tails the log: one line, plain text.
    if (CONTROL_CHAR.test(out)) out = out.replace(CONTROL_CHARS, ' ');
    if (out === before) break;
  }
  if (out.length > MAX_MESSAGE_LENGTH) out = `${out.slice(0, MAX_MESSAGE_LENGTH)}…`;
  return out;
}

function applyExtra(text: string, replacement: string, extra: unknown): string {
  if (!Array.isArray(extra)) return text;
  let out = text;
  for (const pattern of extra as readonly unknown[]) {
    try {
      // Structural check: a RegExp from another realm (vm, iframe) fails instanceof.
      const re = pattern as RegExp;
      if (typeof re?.source !== 'string' || typeof re.flags !== 'string') continue;
      const global = re.flags.includes('g') ? re : new RegExp(re.source, `${re.flags}g`);
      out = out.replace(global, () => replacement);
    } catch {
      // A user pattern that cannot be applied must not take the error path down with it.
    }
  }
  return out;
}
