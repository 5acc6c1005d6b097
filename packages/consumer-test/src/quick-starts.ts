import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './paths.js';

/**
 * A README marks each code block of its quick start with an HTML comment right above the fence,
 * invisible on GitHub and npm:
 *
 *   <!-- quick-start file=server.mjs -->                    a server, hit over HTTP (the default)
 *   <!-- quick-start file=quick-start.mjs run=script -->     runs to its end
 *   <!-- quick-start file=worker.mjs run=fetch-handler -->  a default export with `fetch`
 *   <!-- quick-start file=main.ts group=express -->          files of one group form one app
 *   <!-- quick-start none: why this README has none -->
 *
 * `scenario=<mock scenario>` picks what the mock upstream answers (default `insufficient_quota`).
 */
const MARKER = /<!--\s*quick-start\b([\s\S]*?)-->/g;
const FENCE = /^[ \t]*\n?```[\w-]*\n([\s\S]*?)\n```/;

export type RunKind = 'server' | 'script' | 'fetch-handler';

export interface QuickStartBlock {
  readonly file: string;
  readonly groups: readonly string[];
  readonly run: RunKind | undefined;
  readonly scenario: string | undefined;
  readonly code: string;
}

export interface QuickStartApp {
  /** `<readme>#<group>`, for test names. */
  readonly name: string;
  readonly files: ReadonlyMap<string, string>;
  /** The file that is run: the one block of the group with a `run` (or the only one). */
  readonly entry: string;
  readonly run: RunKind;
  readonly scenario: string;
}

export interface ReadmeQuickStarts {
  readonly readme: string;
  /** Why the README has no quick start, when it says so. */
  readonly none: string | undefined;
  readonly apps: readonly QuickStartApp[];
  /** What is wrong with its markers; empty when nothing. */
  readonly problems: readonly string[];
}

const RUN_KINDS: ReadonlySet<string> = new Set<RunKind>(['server', 'script', 'fetch-handler']);

/** The marked quick-start blocks of one README's text, grouped into runnable apps. */
export function parseQuickStarts(readme: string, text: string): ReadmeQuickStarts {
  const problems: string[] = [];
  const blocks: QuickStartBlock[] = [];
  let none: string | undefined;
  for (const match of text.matchAll(MARKER)) {
    const spec = (match[1] ?? '').trim();
    if (spec.startsWith('none')) {
      none = spec.replace(/^none:?\s*/, '') || 'no reason given';
      continue;
    }
    const attrs = new Map<string, string>();
    for (const pair of spec.split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq > 0) attrs.set(pair.slice(0, eq), pair.slice(eq + 1));
      else if (pair !== '') problems.push(`'${pair}' in a marker is not key=value`);
    }
    const fence = FENCE.exec(text.slice((match.index ?? 0) + match[0].length));
    const file = attrs.get('file');
    if (file === undefined || fence === null) {
      problems.push(`marker '${spec}' needs file=… and a code block right below it`);
      continue;
    }
    const run = attrs.get('run');
    if (run !== undefined && !RUN_KINDS.has(run)) problems.push(`unknown run=${run}`);
    blocks.push({
      file,
      groups: (attrs.get('group') ?? file).split(','),
      run: run as RunKind | undefined,
      scenario: attrs.get('scenario'),
      code: `${fence[1] ?? ''}\n`,
    });
  }
  if (blocks.length === 0 && none === undefined) {
    problems.push('no quick start marked (<!-- quick-start file=… -->), and none declared');
  }
  const groups = new Map<string, QuickStartBlock[]>();
  for (const block of blocks) {
    for (const group of block.groups) {
      const list = groups.get(group) ?? [];
      list.push(block);
      groups.set(group, list);
    }
  }
  const apps: QuickStartApp[] = [];
  for (const [group, list] of groups) {
    const runners = list.filter((b) => b.run !== undefined);
    const entry =
      runners[0] ?? (list.length === 1 ? list[0] : list.find((b) => /^main\./.test(b.file)));
    if (entry === undefined || runners.length > 1) {
      problems.push(`group '${group}' needs exactly one entry (run=… or main.*)`);
      continue;
    }
    const files = new Map<string, string>();
    for (const b of list) {
      if (files.has(b.file)) problems.push(`group '${group}' has ${b.file} twice`);
      files.set(b.file, b.code);
    }
    apps.push({
      name: `${readme}#${group}`,
      files,
      entry: entry.file,
      run: entry.run ?? 'server',
      scenario: list.find((b) => b.scenario !== undefined)?.scenario ?? 'insufficient_quota',
    });
  }
  return { readme, none, apps, problems };
}

/**
 * The root README and the README of every published package (any `packages/*` whose package.json
 * is not private), so a new package's README is picked up without editing the test.
 */
export async function publishedReadmes(): Promise<string[]> {
  const readmes = ['README.md'];
  const dirs = await readdir(join(REPO_ROOT, 'packages'), { withFileTypes: true });
  for (const dir of dirs
    .filter((d) => d.isDirectory())
    .sort((a, b) => (a.name < b.name ? -1 : 1))) {
    let manifest: { private?: unknown };
    try {
      manifest = JSON.parse(
        await readFile(join(REPO_ROOT, 'packages', dir.name, 'package.json'), 'utf8'),
      ) as { private?: unknown };
    } catch {
      continue;
    }
    if (manifest.private === true) continue;
    readmes.push(relative(REPO_ROOT, join(REPO_ROOT, 'packages', dir.name, 'README.md')));
  }
  return readmes;
}

export async function readQuickStarts(): Promise<ReadmeQuickStarts[]> {
  const out: ReadmeQuickStarts[] = [];
  for (const readme of await publishedReadmes()) {
    let text = '';
    try {
      text = await readFile(join(REPO_ROOT, readme), 'utf8');
    } catch {
      out.push({ readme, none: undefined, apps: [], problems: ['README.md is missing'] });
      continue;
    }
    out.push(parseQuickStarts(readme, text));
  }
  return out;
}
