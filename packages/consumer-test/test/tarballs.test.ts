import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { type PackedPackage, readManifest } from '../src/pack.js';
import { REPO_ROOT } from '../src/paths.js';
import { packageNameOf, specifiers } from '../src/specifiers.js';

const packed = inject('packed');
const core = packed.find((p) => p.name === '@four29/core');

/** What a user needs and nothing else: no sources, tests, configs or stray build files. */
const ALLOWED_FILE = /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/.+)$/;
const REQUIRED_FILES = [
  'package.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'dist/index.js',
  'dist/index.cjs',
  'dist/index.d.ts',
  'dist/index.d.cts',
];

/** Strings that only the core's own code contains; an adapter holding them has inlined the core. */
const CORE_MARKERS = ['four29.upstream_error', 'A service this API depends on'];

function read(pkg: PackedPackage, file: string): Promise<string> {
  return readFile(join(pkg.root, file), 'utf8');
}

const isBuiltin = (s: string) => s.startsWith('node:') || builtinModules.includes(s);

/** Collects every string value in `exports` (and `main`/`module`/`types`) that names a file. */
function manifestTargets(manifest: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') out.push(value);
    else if (value !== null && typeof value === 'object')
      for (const v of Object.values(value)) walk(v);
  };
  walk(manifest.exports);
  walk([manifest.main, manifest.module, manifest.types].filter((v) => v !== undefined));
  return out.map((p) => p.replace(/^\.\//, ''));
}

it('every published package is packed (and they are the changesets fixed group)', async () => {
  const config = JSON.parse(await readFile(join(REPO_ROOT, '.changeset/config.json'), 'utf8')) as {
    fixed: string[][];
  };
  expect(config.fixed).toHaveLength(1);
  expect(packed.map((p) => p.name).sort()).toEqual([...(config.fixed[0] ?? [])].sort());
});

it('the core markers are really in the core, so their absence from an adapter means something', async () => {
  expect(core).toBeDefined();
  // The ESM build may split shared code into chunks: the markers are in one of its files.
  const files = core!.files.filter((f) => /^dist\/[^/]+\.js$/.test(f));
  const code = (await Promise.all(files.map((f) => read(core!, f)))).join('\n');
  for (const marker of CORE_MARKERS) expect(code).toContain(marker);
});

describe.each(packed.map((p) => [p.name, p] as const))('%s tarball', (_name, pkg) => {
  it('ships only package.json, README, LICENSE, CHANGELOG and dist, with the builds it promises', () => {
    expect(pkg.files.filter((f) => !ALLOWED_FILE.test(f))).toEqual([]);
    for (const file of REQUIRED_FILES) expect(pkg.files).toContain(file);
  });

  it('ships no source maps', () => {
    // Maps embedded the whole source and were over half of the install (.changeset/lean-tarballs.md).
    expect(pkg.files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('the packed manifest names no devDependencies (the private kits would appear at 0.0.0)', async () => {
    const m = await readManifest(pkg);
    expect(m.devDependencies).toBeUndefined();
  });

  it('LICENSE is the repository MIT license', async () => {
    const license = await read(pkg, 'LICENSE');
    expect(license).toBe(await readFile(join(REPO_ROOT, 'LICENSE'), 'utf8'));
    expect(license).toMatch(/^MIT License/);
  });

  it('has the publishing metadata', async () => {
    const m = await readManifest(pkg);
    expect(m.private).toBeUndefined();
    expect(m.license).toBe('MIT');
    expect(m.type).toBe('module');
    expect(m.sideEffects).toBe(false);
    expect(typeof m.description).toBe('string');
    expect((m.description as string).length).toBeGreaterThan(20);
    expect(Array.isArray(m.keywords) && m.keywords.length > 0).toBe(true);
    expect(m.repository).toEqual({
      type: 'git',
      url: 'git+https://github.com/four29/four29.git',
      directory: `packages/${pkg.dir}`,
    });
    expect(m.homepage).toBe(
      `https://github.com/four29/four29/tree/main/packages/${pkg.dir}#readme`,
    );
    expect(m.bugs).toEqual({ url: 'https://github.com/four29/four29/issues' });
    expect(m.engines).toEqual({ node: '>=20' });
    expect(m.publishConfig).toEqual({ access: 'public', provenance: true });
  });

  it('exports: types first in both conditions, every target in the tarball', async () => {
    const m = await readManifest(pkg);
    const root = (m.exports as Record<string, Record<string, Record<string, string>>>)['.'];
    expect(root).toBeDefined();
    expect(Object.keys(root!)).toEqual(['import', 'require']);
    expect(Object.entries(root!.import!)).toEqual([
      ['types', './dist/index.d.ts'],
      ['default', './dist/index.js'],
    ]);
    expect(Object.entries(root!.require!)).toEqual([
      ['types', './dist/index.d.cts'],
      ['default', './dist/index.cjs'],
    ]);
    for (const target of manifestTargets(m)) expect(pkg.files).toContain(target);
  });

  it('no workspace: protocol is left in the packed manifest', async () => {
    expect(await read(pkg, 'package.json')).not.toContain('workspace:');
  });

  it('every module the build imports is a Node builtin or a declared dependency', async () => {
    const m = await readManifest(pkg);
    const declared = new Set(
      [m.dependencies, m.peerDependencies, m.optionalDependencies].flatMap((deps) =>
        deps !== undefined ? Object.keys(deps as Record<string, string>) : [],
      ),
    );
    const undeclared: string[] = [];
    for (const file of pkg.files.filter((f) => /^dist\/.*\.(c?js|d\.c?ts)$/.test(f))) {
      for (const s of specifiers(await read(pkg, file))) {
        if (s.startsWith('.') || isBuiltin(s)) continue;
        const name = packageNameOf(s);
        if (name !== pkg.name && !declared.has(name)) undeclared.push(`${file}: ${s}`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  if (pkg.role === 'store') {
    it('depends on the packed resilience by a real range; its clients are optional peers it never imports', async () => {
      const m = await readManifest(pkg);
      const resilience = packed.find((p) => p.name === '@four29/resilience');
      expect((m.dependencies as Record<string, string>)['@four29/resilience']).toBe(
        `^${resilience?.version}`,
      );
      const peers = Object.keys((m.peerDependencies as object | undefined) ?? {});
      expect(peers.length).toBeGreaterThan(0);
      const meta = (m.peerDependenciesMeta ?? {}) as Record<string, { optional?: boolean }>;
      for (const peer of peers) expect(meta[peer]?.optional, peer).toBe(true);
      for (const file of ['dist/index.js', 'dist/index.cjs']) {
        const imported = specifiers(await read(pkg, file)).filter((s) => !s.startsWith('.'));
        expect(imported.filter((s) => peers.includes(packageNameOf(s)))).toEqual([]);
      }
    });
  } else if (pkg.role !== 'core') {
    it('depends on the packed core by a real range and imports it instead of bundling it', async () => {
      const m = await readManifest(pkg);
      expect((m.dependencies as Record<string, string>)['@four29/core']).toBe(`^${core?.version}`);
      // An adapter's framework (and the OpenTelemetry API) is the app's to install, never a
      // dependency of ours.
      expect(Object.keys((m.peerDependencies as object | undefined) ?? {}).length > 0).toBe(
        pkg.role === 'adapter' || pkg.role === 'telemetry',
      );
      if (pkg.role === 'telemetry')
        expect(Object.keys((m.dependencies as object | undefined) ?? {})).not.toContain(
          '@opentelemetry/api',
        );
      const esm = await read(pkg, 'dist/index.js');
      const cjs = await read(pkg, 'dist/index.cjs');
      expect(esm).toMatch(/\bfrom\s*['"]@four29\/core['"]/);
      expect(cjs).toMatch(/\brequire\(\s*['"]@four29\/core['"]\s*\)/);
      for (const marker of CORE_MARKERS) {
        expect(esm).not.toContain(marker);
        expect(cjs).not.toContain(marker);
      }
    });
  } else {
    it('has no runtime dependencies and imports nothing, not even Node builtins (Web-standard)', async () => {
      const m = await readManifest(pkg);
      expect(m.dependencies ?? {}).toEqual({});
      expect(m.peerDependencies ?? {}).toEqual({});
      for (const file of [
        'dist/index.js',
        'dist/index.cjs',
        'dist/index.d.ts',
        'dist/index.d.cts',
      ]) {
        expect(specifiers(await read(pkg, file)).filter((s) => !s.startsWith('.'))).toEqual([]);
      }
    });
  }
});
