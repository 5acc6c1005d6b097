import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'conformance-nest12', include: ['test/**/*.test.ts'] },
});
