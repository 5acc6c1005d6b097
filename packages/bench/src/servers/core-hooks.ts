/**
 * Module resolution hooks for a server under test (registered by main.ts before any framework
 * loads): an import of `@four29/core` from anywhere but timed-core.ts itself resolves to
 * timed-core.ts. Subpaths (`@four29/core/internal`) resolve as usual.
 */
const TIMED = new URL('./timed-core.js', import.meta.url).href;

interface ResolveContext {
  readonly parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<unknown>;

export async function resolve(
  specifier: string,
  context: ResolveContext,
  nextResolve: NextResolve,
): Promise<unknown> {
  if (specifier === '@four29/core' && context.parentURL !== TIMED) {
    return { url: TIMED, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
