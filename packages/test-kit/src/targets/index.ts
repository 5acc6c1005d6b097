// One set of framework test apps for every cross-framework suite (conformance, security).
export { type ExpressAdapter, expressTargets } from './express.js';
export { type FastifyAdapter, fastifyTargets } from './fastify.js';
export { type HonoAdapter, honoTargets } from './hono.js';
export { type KoaAdapter, koaTargets } from './koa.js';
export { type NestKit, nestTargets } from './nest.js';
export { decoded, onSocket, tick } from './net.js';
export * from './types.js';
