// The Express 4 alias installed for tests has no types of its own; its API surface used here is
// the same as Express 5's.
declare module 'express4' {
  import express from 'express';
  export default express;
}
