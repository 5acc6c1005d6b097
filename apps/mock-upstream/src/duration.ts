/**
 * Formats milliseconds the way Go's `time.Duration.String()` does, which is what OpenAI's
 * `x-ratelimit-reset-*` headers carry: `0s`, `12ms`, `1.146s`, `6m0s`, `1h0m0s`.
 */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const secondsMs = total % 60_000;
  const whole = Math.floor(secondsMs / 1000);
  const frac = secondsMs % 1000;
  const seconds =
    frac === 0 ? String(whole) : `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/** RFC 3339 without milliseconds when they are zero, as Anthropic sends (`2025-08-21T12:40:59Z`). */
export function rfc3339(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('.000Z', 'Z');
}
