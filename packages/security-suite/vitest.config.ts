import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'security-suite',
    include: ['test/**/*.test.ts'],
    // Properties and over-HTTP runs do bounded work but a lot of it on a shared 2-core machine:
    // a generous ceiling, never a speed assertion.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
