// The app every runtime check serves: the built dist of @four29/hono and core. One route per
// recorded upstream error in @four29/fixtures, thrown as the client would throw it (OpenAI's and
// Azure's in the openai SDK's shape, the rest as core's UpstreamHttpError), on a fixed clock so
// every runtime must produce the same bytes.
import { UpstreamHttpError } from '@four29/core';
import { FIXTURE_NOW, fixtureById, fixtures } from '@four29/fixtures';
import { upstreamErrorHandler } from '@four29/hono';
import { Hono } from 'hono';

export const fixtureIds = fixtures.map((f) => f.id);

function thrown(id) {
  const { status, headers, body } = fixtureById(id).respond(FIXTURE_NOW);
  if (/^(openai|azure)\./.test(id) && typeof body?.error === 'object') {
    // What openai-node's APIError carries.
    const err = new Error(`${status} ${body.error.message}`);
    err.status = status;
    err.headers = new Headers(headers);
    err.error = body.error;
    return err;
  }
  return new UpstreamHttpError({ status, headers, body });
}

const app = new Hono();
app.get('/fixture/:id', (c) => {
  throw thrown(c.req.param('id'));
});
app.onError(
  upstreamErrorHandler({ now: () => FIXTURE_NOW, logger: { warn() {}, error() {}, info() {} } }),
);
export default app;
