// The app every non-Node runtime check serves: built dist of @four29/hono and
// core, recorded OpenAI errors thrown in the shape the OpenAI SDK throws them.
import { fixtureById } from '@four29/fixtures';
import { upstreamErrorHandler } from '@four29/hono';
import { Hono } from 'hono';

function sdkError(id) {
  const { status, headers, body } = fixtureById(id).respond(Date.now());
  const err = new Error(`${status} ${body.error.message}`);
  err.status = status;
  err.headers = new Headers(headers);
  err.error = body.error;
  return err;
}

const app = new Hono();
app.get('/rate-limited', () => {
  throw sdkError('openai.rate_limit.tokens');
});
app.get('/quota', () => {
  throw sdkError('openai.insufficient_quota');
});
app.onError(upstreamErrorHandler({ logger: { warn() {}, error() {}, info() {} } }));
export default app;
