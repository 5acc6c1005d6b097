/** The 400 answer for a body that is not `{"prompt": "<non-empty string>"}`. */
export const BAD_BODY = { error: 'body must be {"prompt": "<non-empty string>"}' } as const;

/** The prompt of a parsed JSON request body, or undefined when the body is not a valid request. */
export function promptOf(body: unknown): string | undefined {
  const prompt = (body as { prompt?: unknown } | null | undefined)?.prompt;
  return typeof prompt === 'string' && prompt.length > 0 && prompt.length <= 10_000
    ? prompt
    : undefined;
}
