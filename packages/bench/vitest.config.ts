import { defineProject } from 'vitest/config';

export default defineProject({
  // Unit tests only. The `--quick` smoke run is the second half of this package's `test` script,
  // a plain node process: run inside vitest's worker, its minute of child servers and esbuild
  // could starve vitest's RPC on a busy 2-core machine (`Timeout calling "onTaskUpdate"`).
  test: { name: 'bench', include: ['test/**/*.test.ts'] },
});
