import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'client-suite',
    include: ['test/**/*.test.ts'],
    // Every call is one loopback round trip or a ~200 ms client timeout; the ceiling is for a
    // loaded 2-core CI machine, never a speed assertion.
    testTimeout: 20_000,
  },
});
