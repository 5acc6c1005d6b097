import { defineProject } from 'vitest/config';

export default defineProject({
  // Real servers, child processes and property runs share 2 cores with other packages' tests in CI:
  // generous limits keep a busy machine from failing a correct test.
  test: {
    name: 'otel',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
