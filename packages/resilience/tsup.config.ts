import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  // No maps in the tarball: dist is unminified ES2022, so stack traces already
  // read like src/, and the maps (with or without sourcesContent) were over
  // half of the install (see .changeset/lean-tarballs.md).
  sourcemap: false,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  treeshake: true,
});
