import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Nest only runs on Node; dependencies and peers (@four29/core, @nestjs/*) stay external.
  platform: 'node',
  treeshake: true,
});
