/**
 * The guard for classifications four29 did not build. `toProblem` and `toLogRecord` are public, so
 * they may be given a hand-built, deserialized or hostile object (throwing getters, Proxies, odd
 * types, megabytes of text). This rebuilds it once, from checked and redacted fields, into the
 * shape `classify` returns; everything downstream then trusts it. The handler never comes here:
 * it renders the classification `classify` just built and froze.
 */
import { get, isArray, isObjectLike } from './classify/safe.js';
import { httpStatus } from './http-status.js';
import { normalizeKind } from './kinds.js';
import { MAX_MESSAGE_LENGTH, redact, redactedString } from './redact.js';
import { EMPTY_REMEDIATION, isOwnRemediation } from './remediation/own.js';
import type {
  Audience,
  Classification,
  LimitWindow,
  Remediation,
  RemediationCause,
  RemediationStep,
} from './types.js';

const MAX_STEPS = 50;
const MAX_CAUSES = 20;
const AUDIENCES: ReadonlySet<unknown> = /* @__PURE__ */ new Set<Audience>([
  'caller',
  'operator',
  'billing-admin',
]);
const WINDOWS: ReadonlySet<unknown> = /* @__PURE__ */ new Set<LimitWindow>([
  'second',
  'minute',
  'hour',
  'day',
  'month',
]);

/** Numbers that JSON can carry faithfully: NaN and Infinity would serialize as null. */
function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function nonNegative(value: unknown): number | undefined {
  const n = finite(value);
  return n !== undefined && n >= 0 ? n : undefined;
}

function httpUrl(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= 2048 && /^https?:\/\//.test(value)
    ? value
    : undefined;
}

/** A step id is a label, never data: one that looks like a secret is no id. */
const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

function stepId(value: unknown): string | undefined {
  return typeof value === 'string' && STEP_ID.test(value) && redact(value) === value
    ? value
    : undefined;
}

function guardStep(value: unknown): RemediationStep | undefined {
  if (!isObjectLike(value)) return undefined;
  const audience = get(value, 'audience');
  const id = stepId(get(value, 'id'));
  const title = redactedString(get(value, 'title'), 200);
  const detail = redactedString(get(value, 'detail'), MAX_MESSAGE_LENGTH);
  if (!AUDIENCES.has(audience) || id === undefined || title === undefined || detail === undefined)
    return undefined;
  const url = httpUrl(get(value, 'url'));
  const step = { id, title, detail, audience: audience as Audience };
  return Object.freeze(url !== undefined ? { ...step, url } : step);
}

function guardCause(value: unknown): RemediationCause | undefined {
  const id = redactedString(get(value, 'id'), 100);
  const text = redactedString(get(value, 'text'), MAX_MESSAGE_LENGTH);
  return id !== undefined && text !== undefined ? Object.freeze({ id, text }) : undefined;
}

function guardList<T>(list: unknown, max: number, guard: (value: unknown) => T | undefined): T[] {
  const out: T[] = [];
  if (!isArray(list)) return out;
  for (let i = 0; i < list.length && i < max * 4 && out.length < max; i++) {
    const item = guard(get(list, i));
    if (item !== undefined) out.push(item);
  }
  return out;
}

function guardRemediation(value: unknown): Remediation {
  if (isOwnRemediation(value)) return value;
  if (!isObjectLike(value)) return EMPTY_REMEDIATION;
  return Object.freeze({
    causes: Object.freeze(guardList(get(value, 'causes'), MAX_CAUSES, guardCause)),
    steps: Object.freeze(guardList(get(value, 'steps'), MAX_STEPS, guardStep)),
  });
}

/**
 * A frozen classification built only from what checks out in `value`; a member that is missing,
 * of the wrong type, out of range or unreadable is left out. Strings are redacted and bounded;
 * a catalogue remediation, recognized by identity, is kept as it is.
 * Never throws.
 */
export function guardClassification(
  value: unknown,
  { message = true }: { readonly message?: boolean } = {},
): Classification {
  const kind = normalizeKind(get(value, 'kind'));
  const out: { -readonly [K in keyof Classification]: Classification[K] } = {
    kind,
    provider: redactedString(get(value, 'provider'), 64) ?? 'generic',
    retryable: get(value, 'retryable') === true,
    remediation: guardRemediation(get(value, 'remediation')),
  };
  const numbers = {
    retryAfterMs: nonNegative(get(value, 'retryAfterMs')),
    resetAt: finite(get(value, 'resetAt')),
    limit: nonNegative(get(value, 'limit')),
    remaining: finite(get(value, 'remaining')),
    used: nonNegative(get(value, 'used')),
    requested: nonNegative(get(value, 'requested')),
    upstreamStatus: httpStatus(get(value, 'upstreamStatus')),
  };
  for (const [name, n] of Object.entries(numbers))
    if (n !== undefined) out[name as keyof typeof numbers] = n;
  const window = get(value, 'window');
  if (WINDOWS.has(window)) out.window = window as LimitWindow;
  const strings = {
    dimension: redactedString(get(value, 'dimension'), 32),
    upstreamCode: redactedString(get(value, 'upstreamCode'), 100),
    upstreamRequestId: redactedString(get(value, 'upstreamRequestId'), 200),
    // A problem never shows the message: toProblem asks for none, and pays no redaction for it.
    upstreamMessage: message
      ? redactedString(get(value, 'upstreamMessage'), MAX_MESSAGE_LENGTH + 1)
      : undefined,
  };
  for (const [name, s] of Object.entries(strings))
    if (s !== undefined) out[name as keyof typeof strings] = s;
  return Object.freeze(out);
}
