import { defineProject } from 'vitest/config';

export default defineProject({
  // Starts real servers once per file: the hook may take a few seconds on a busy machine.
  test: { name: 'demo', include: ['test/**/*.test.ts'], hookTimeout: 60_000, testTimeout: 30_000 },
});
