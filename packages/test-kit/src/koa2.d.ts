// The Koa 2 alias has no types of its own; the API used here is the same as Koa 3's.
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
