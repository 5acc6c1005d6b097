// Type-checked as .mts and .cts under node16 and as .ts under bundler (see README).
import four29Default, { type Four29Options, four29 } from '@four29/fastify';
import Fastify from 'fastify';

const options: Four29Options = { policy: 'default', logger: false };

export const app = Fastify();
app.register(four29, options);
app.register(four29Default);
// Fastify's own pino logger is a four29 logger as it is.
app.register(four29, { logger: app.log });
// @ts-expect-error -- proves the options are typed and not `any`: 'sometimes' is no policy.
app.register(four29, { policy: 'sometimes' });
app.get('/', async () => ({ ok: true }));
