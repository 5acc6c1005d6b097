import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-support', include: ['test/**/*.test.ts'] },
});
