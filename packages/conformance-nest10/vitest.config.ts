import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'conformance-nest10',
    include: ['test/**/*.test.ts'],
    // Each test sends one case to every target; a loaded 2-core CI machine needs headroom.
    testTimeout: 20_000,
  },
});
