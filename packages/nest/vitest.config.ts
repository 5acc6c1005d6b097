import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'nest', include: ['test/**/*.test.ts'] },
});
