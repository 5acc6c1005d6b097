// The Express 4 alias has no types of its own; the API used here is the same as Express 5's.
declare module 'express4' {
  import express from 'express';
  export default express;
}
