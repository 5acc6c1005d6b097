// Type-checked as .mts and .cts under node16 and as .ts under bundler (see README).
import { type Four29Options, upstreamErrorHandler, upstreamSSEErrorHandler } from '@four29/hono';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';

type AppEnv = { Variables: { user: string } };

const options: Four29Options = { policy: 'passthrough', logger: false };
const onStreamError = upstreamSSEErrorHandler(options);

// @ts-expect-error -- proves the options are typed and not `any`: 'sometimes' is no policy.
upstreamErrorHandler({ policy: 'sometimes' });

export const app = new Hono<AppEnv>();
app.onError(
  upstreamErrorHandler<AppEnv>({
    logger: false,
    fallback: (err, c) => c.text(`${c.get('user')}: ${err.message}`, 500),
  }),
);
app.get('/stream', (c) =>
  streamSSE(
    c,
    async (stream) => {
      await stream.writeSSE({ data: 'hello' });
    },
    onStreamError(c),
  ),
);
