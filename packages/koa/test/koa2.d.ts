// The Koa 2 alias installed for tests has no types of its own; its API surface used here is the
// same as Koa 3's.
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
