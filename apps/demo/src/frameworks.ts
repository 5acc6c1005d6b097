import type { AppOptions, RunningApp } from '@four29/example-support';
import { createApp as createExpressApp } from '@four29/express-example';
import { createApp as createFastifyApp } from '@four29/fastify-example';
import { createApp as createHonoApp } from '@four29/hono-example';
import { createApp as createKoaApp } from '@four29/koa-example';
import { createApp as createNestApp } from '@four29/nest-example';

export type { AppOptions, RunningApp };

export interface Framework {
  readonly name: string;
  start(options: AppOptions, port: number, host: string): Promise<RunningApp>;
}

export const FRAMEWORKS: readonly Framework[] = [
  { name: 'express', start: (options, port, host) => createExpressApp(options).listen(port, host) },
  { name: 'koa', start: (options, port, host) => createKoaApp(options).listen(port, host) },
  { name: 'hono', start: (options, port, host) => createHonoApp(options).listen(port, host) },
  { name: 'nest', start: (options, port, host) => createNestApp(options).listen(port, host) },
  {
    name: 'fastify',
    start: (options, port, host) => createFastifyApp(options).listen(port, host),
  },
];
