import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'conformance-nest10', include: ['test/**/*.test.ts'] },
});
