// The Fastify 4 alias has no types of its own under that name; the tests use it through Fastify 5's.
declare module 'fastify4' {
  import fastify from 'fastify';
  export default fastify;
}
