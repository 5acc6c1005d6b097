import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A cycle makes module order decide which binding is still undefined at load time, and keeps a
// bundler from dropping the part of core a bundle never asks for.
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

// Static `import … from`, `export … from`, side-effect `import '…'` and dynamic `import('…')`,
// type-only ones included: a type cycle becomes a value cycle with the next edit.
const SPECIFIER_RE = /\b(?:from\s*|import\s*\(\s*|import\s+)(['"])(\.{1,2}\/[^'"]+)\1/g;

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"\\])\/\/.*$/gm, '$1');
}

/** Relative specifiers of one module, as `.ts` paths relative to `src`. */
function localImports(file: string, source: string): string[] {
  const out = new Set<string>();
  for (const m of stripComments(source).matchAll(SPECIFIER_RE)) {
    const target = join(dirname(file), m[2] as string).replace(/\.js$/, '.ts');
    out.add(target);
  }
  return [...out];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.split('\\').join('/'));
}

function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    graph.set(file, localImports(file, readFileSync(join(root, file), 'utf8')));
  }
  return graph;
}

/** Every elementary cycle found by depth-first search, each as the path that closes it. */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const s = state.get(next);
      if (s === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('core import graph', () => {
  const graph = importGraph(SRC);

  it('reads every module and resolves every local import to a module in src', () => {
    expect(graph.size).toBeGreaterThan(20);
    expect(graph.get('index.ts')).toContain('classify/index.ts');
    const missing = [...graph].flatMap(([file, deps]) =>
      deps.filter((d) => !graph.has(d)).map((d) => `${file} -> ${d}`),
    );
    expect(missing).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycles = findCycles(graph).map((c) => c.join(' -> '));
    expect(cycles).toEqual([]);
  });
});

describe('the cycle finder itself', () => {
  it('finds a cycle through several modules and a module importing itself', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', ['d.ts']],
    ]);
    expect(findCycles(graph)).toEqual([
      ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
      ['d.ts', 'd.ts'],
    ]);
  });

  it('finds none in a diamond', () => {
    const graph = new Map([
      ['a.ts', ['b.ts', 'c.ts']],
      ['b.ts', ['d.ts']],
      ['c.ts', ['d.ts']],
      ['d.ts', []],
    ]);
    expect(findCycles(graph)).toEqual([]);
  });

  it('reads multi-line, type-only, re-export, side-effect and dynamic imports, not comments', () => {
    const source = [
      "import {\n  a,\n  b,\n} from './a.js';",
      "import type { T } from '../t.js';",
      "export { c } from './c.js';",
      "import './side.js';",
      "const lazy = () => import('./lazy.js');",
      "// import { x } from './commented.js';",
      "/* export * from './blocked.js'; */",
      "import { readFileSync } from 'node:fs';",
    ].join('\n');
    expect(localImports('classify/x.ts', source).sort()).toEqual([
      'classify/a.ts',
      'classify/c.ts',
      'classify/lazy.ts',
      'classify/side.ts',
      't.ts',
    ]);
  });
});
