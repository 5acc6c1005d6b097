import { UpstreamHttpError } from '@four29/core';
import { fixtureById } from '@four29/fixtures';

/** A fixture's response as the error a fetch-based client would throw, at the current (fake) time. */
export function upstreamError(id: string): UpstreamHttpError {
  const f = fixtureById(id);
  const r = f.respond(Date.now());
  return new UpstreamHttpError({
    status: r.status,
    headers: r.headers,
    body: r.body,
    provider: f.provider,
  });
}
