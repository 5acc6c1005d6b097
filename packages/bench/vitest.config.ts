import { defineProject } from 'vitest/config';

export default defineProject({
  // The smoke test runs the whole `--quick` bench (child servers for four frameworks, esbuild,
  // tinybench): a minute or two on a busy 2-core machine.
  test: { name: 'bench', include: ['test/**/*.test.ts'], testTimeout: 300_000 },
});
