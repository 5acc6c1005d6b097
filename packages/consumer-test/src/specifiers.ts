/**
 * Every module specifier in built JS or a .d.ts: static `from`/side-effect imports, dynamic
 * `import()`, `require()` and `/// <reference types>`. A regex is enough for bundler output; the
 * look-behind keeps `Array.from('x')` or `obj.require('x')` out.
 */
export function specifiers(code: string): string[] {
  const out = new Set<string>();
  const patterns = [
    /(?<![\w$.])(?:import|require)\s*\(\s*(['"])([^'"\n]+)\1/g,
    /(?<![\w$.])(?:from|import)\s*(['"])([^'"\n]+)\1/g,
    /<reference\s+types\s*=\s*(['"])([^'"\n]+)\1/g,
  ];
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) if (match[2] !== undefined) out.add(match[2]);
  }
  return [...out].sort();
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}
