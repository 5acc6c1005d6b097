// Type-checked as .mts and .cts under node16 and as .ts under bundler (see README).
import { type Four29Options, upstreamErrorHandler } from '@four29/koa';
import Koa, { type Middleware } from 'koa';

const options: Four29Options = { policy: 'default', logger: false };
const middleware: Middleware = upstreamErrorHandler(options);

// @ts-expect-error -- proves the options are typed and not `any`: 'sometimes' is no policy.
upstreamErrorHandler({ policy: 'sometimes' });

export const app = new Koa();
app.use(middleware);
app.use(upstreamErrorHandler());
app.use(async (ctx) => {
  ctx.body = { ok: true };
});
