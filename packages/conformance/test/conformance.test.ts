import { buildCases } from '../src/cases.js';
import { defineConformanceSuite } from '../src/harness.js';
import { express4Target, express5Target } from '../src/targets/express.js';
import { honoNodeTarget, honoRequestTarget } from '../src/targets/hono.js';
import { koa2Target, koa3Target } from '../src/targets/koa.js';

// Top-level await: the SDK cases come from real calls to the mock upstream, and vitest needs the
// case ids when it collects the tests.
const cases = await buildCases();

defineConformanceSuite({
  cases,
  targets: [
    express4Target,
    express5Target,
    koa2Target,
    koa3Target,
    honoNodeTarget,
    honoRequestTarget,
  ],
  passthrough: [express5Target, koa3Target, honoNodeTarget],
});
