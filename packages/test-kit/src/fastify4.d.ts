// The Fastify 4 aliases have no types of their own under these names; the API used here is the same
// as Fastify 5's and @fastify/rate-limit 11's.
declare module 'fastify4' {
  import fastify from 'fastify';
  export default fastify;
}
declare module 'fastify-rate-limit4' {
  import rateLimit from '@fastify/rate-limit';
  export default rateLimit;
}
