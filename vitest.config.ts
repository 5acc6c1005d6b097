import { defineConfig } from 'vitest/config';

// One vitest project per package (each has its own vitest.config.ts). `pnpm test` runs them through
// turbo, which builds dependencies first; this file lets `pnpm vitest` or an editor run them all.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
  },
});
