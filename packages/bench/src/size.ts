import { access, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const KB = 1024;

export interface SizeSpec {
  readonly name: string;
  /** The package whose built ESM entry (its `exports` `import` condition) is bundled. */
  readonly pkg: string;
  /** What the consumer imports; default everything (`export *`). */
  readonly imports?: readonly string[];
}

export interface SizeResult {
  readonly name: string;
  readonly pkg: string;
  readonly imports: string;
  readonly minBytes: number;
  readonly gzipBytes: number;
  readonly external: readonly string[];
}

/**
 * No size targets: each figure is guarded against its recorded one (recorded-sizes.json), so
 * growth is a decision (`pnpm bench --record-sizes "<reason>"`), not an accident.
 */
export const SIZE_SPECS: readonly SizeSpec[] = [
  // What an adapter user pulls in.
  {
    name: '@four29/core (handler path)',
    pkg: '@four29/core',
    imports: ['createUpstreamErrorHandler'],
  },
  { name: '@four29/core (classify only)', pkg: '@four29/core', imports: ['classify'] },
  { name: '@four29/core (everything)', pkg: '@four29/core' },
  // What a consumer of one helper pulls in: shows the core tree-shakes.
  { name: '@four29/core (redact only)', pkg: '@four29/core', imports: ['redact'] },
  { name: '@four29/core (toProblem only)', pkg: '@four29/core', imports: ['toProblem'] },
  { name: '@four29/express', pkg: '@four29/express' },
  { name: '@four29/koa', pkg: '@four29/koa' },
  { name: '@four29/hono', pkg: '@four29/hono' },
  { name: '@four29/nest', pkg: '@four29/nest' },
  { name: '@four29/fastify', pkg: '@four29/fastify' },
];

/** How much a figure may grow over its recorded one before the bench fails. */
export const SIZE_TOLERANCE = 0.1;

const RECORDED = fileURLToPath(new URL('../recorded-sizes.json', import.meta.url));

export interface RecordedSizes {
  /** Why the figures were last recorded (the commit that raised them says it too). */
  readonly reason: string;
  readonly recordedAt: string;
  /** min+gzip bytes per size row. */
  readonly gzipBytes: Readonly<Record<string, number>>;
}

export async function readRecordedSizes(): Promise<RecordedSizes | undefined> {
  try {
    return JSON.parse(await readFile(RECORDED, 'utf8')) as RecordedSizes;
  } catch {
    return undefined;
  }
}

export async function recordSizes(sizes: readonly SizeResult[], reason: string): Promise<string> {
  const recorded: RecordedSizes = {
    reason,
    recordedAt: new Date().toISOString(),
    gzipBytes: Object.fromEntries(sizes.map((s) => [s.name, s.gzipBytes])),
  };
  await writeFile(RECORDED, `${JSON.stringify(recorded, null, 2)}\n`);
  return RECORDED;
}

/** undefined: within SIZE_TOLERANCE of its recorded figure; else why not. */
export function sizeProblem(
  size: SizeResult,
  recorded: RecordedSizes | undefined,
): string | undefined {
  const before = recorded?.gzipBytes[size.name];
  if (before === undefined) return 'no recorded figure (pnpm bench --record-sizes "<reason>")';
  const limit = before * (1 + SIZE_TOLERANCE);
  if (size.gzipBytes > limit)
    return `${size.gzipBytes} B is ${(100 * (size.gzipBytes / before - 1)).toFixed(1)} % over the recorded ${before} B`;
  return undefined;
}

interface Manifest {
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

/** The package's manifest, found by walking up from its resolved entry. */
async function manifestOf(entry: string, pkg: string): Promise<Manifest> {
  let dir = dirname(entry);
  for (;;) {
    try {
      const json = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest & {
        name?: string;
      };
      if (json.name === pkg) return json;
    } catch {
      // No manifest here: keep walking up.
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json for ${pkg} above ${entry}`);
    dir = parent;
  }
}

/**
 * What a consumer's bundler ships for the package: its built ESM entry bundled with esbuild,
 * minified, with everything the package depends on (the framework and, for adapters,
 * @four29/core) left external; then gzip (node zlib, default level).
 */
export async function measureSize(spec: SizeSpec): Promise<SizeResult> {
  const entry = fileURLToPath(import.meta.resolve(spec.pkg));
  const manifest = await manifestOf(entry, spec.pkg);
  const external = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]
    .filter((name) => !name.startsWith('@types/'))
    .concat('node:*');
  const imports = spec.imports === undefined ? '*' : `{ ${spec.imports.join(', ')} }`;
  const result = await build({
    stdin: {
      contents: `export ${imports} from ${JSON.stringify(entry)};`,
      resolveDir: dirname(entry),
      loader: 'js',
    },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external,
    write: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error(`esbuild produced no output for ${spec.name}`);
  const minBytes = output.contents.byteLength;
  const gzipBytes = gzipSync(output.contents).byteLength;
  return {
    name: spec.name,
    pkg: spec.pkg,
    imports,
    minBytes,
    gzipBytes,
    external,
  };
}

export async function measureSizes(specs: readonly SizeSpec[] = SIZE_SPECS): Promise<SizeResult[]> {
  const out: SizeResult[] = [];
  for (const spec of specs) out.push(await measureSize(spec));
  return out;
}

export interface CoreBreakdown {
  /** Minified bytes of the whole core bundled from source. */
  readonly minBytes: number;
  /** Minified bytes per source area (remediation catalogue, classifier, rest). */
  readonly areas: readonly { readonly area: string; readonly minBytes: number }[];
  /** min+gzip of the remediation catalogue (the prose) bundled on its own; undefined if it moved. */
  readonly catalogueGzipBytes: number | undefined;
}

const AREAS: readonly [string, RegExp][] = [
  ['remediation catalogue (prose)', /src\/remediation\/catalogue\.ts$/],
  ['classifier', /src\/classify\//],
  ['problem, log, redaction, handler, rest', /./],
];

/**
 * Where the core's bytes go, from its TypeScript source (present in the workspace, not in the
 * published package): why the core is the size it is.
 */
export async function coreBreakdown(): Promise<CoreBreakdown> {
  const entry = fileURLToPath(import.meta.resolve('@four29/core'));
  const src = join(dirname(entry), '..', 'src');
  const common = {
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  } as const;
  const whole = await build({
    ...common,
    entryPoints: [join(src, 'index.ts')],
    outdir: 'out',
    metafile: true,
  });
  const output = Object.values(whole.metafile.outputs).find((o) => o.entryPoint !== undefined);
  if (output === undefined) throw new Error('esbuild produced no core output');
  const totals = new Map<string, number>(AREAS.map(([area]) => [area, 0]));
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    const area = AREAS.find(([, re]) => re.test(file))?.[0] ?? 'other';
    totals.set(area, (totals.get(area) ?? 0) + bytesInOutput);
  }
  // The core is being reworked: a catalogue that moved leaves its own row out, not the bench.
  const cataloguePath = join(src, 'remediation', 'catalogue.ts');
  let catalogueGzipBytes: number | undefined;
  if (
    await access(cataloguePath).then(
      () => true,
      () => false,
    )
  ) {
    const catalogue = await build({ ...common, entryPoints: [cataloguePath] });
    const out = catalogue.outputFiles[0];
    if (out === undefined) throw new Error('esbuild produced no catalogue output');
    catalogueGzipBytes = gzipSync(out.contents).byteLength;
  }
  return {
    minBytes: output.bytes,
    areas: [...totals].map(([area, minBytes]) => ({ area, minBytes })),
    catalogueGzipBytes,
  };
}
