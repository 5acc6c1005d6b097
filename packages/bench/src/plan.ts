/**
 * What the bench compares per framework and which rows it reports: the servers of each comparison
 * (slots) and, for each row, how a per-round value is taken from them, its target and the A/A
 * pair that says how much of a difference is noise.
 */
import type { FrameworkServer } from './servers/shared.js';
import type { Comparison, Path, Slot } from './throughput.js';

export interface Target {
  readonly op: '>=' | '<=';
  readonly bound: number;
}

/**
 * - `ratio`: requests/s of `num` ÷ requests/s of `den` in the same round.
 * - `cpu`: CPU µs per request of `num` minus that of `den` in the same round.
 * - `core`: mean µs per core handler call in `num` (timed inside the server).
 * - `adapter`: the `cpu` difference minus `num`'s core time: what four29 adds outside the core
 *   call (the adapter, and the framework sending its answer).
 */
export interface RowSpec {
  readonly kind: 'ratio' | 'cpu' | 'core' | 'adapter';
  readonly name: string;
  readonly num: string;
  readonly den?: string;
  readonly target?: Target;
  /** The identical-servers pair measured alongside: its spread decides when a verdict is noise. */
  readonly aa?: { readonly num: string; readonly den: string };
  /** Extra words for the detail column. */
  readonly note?: string;
}

export interface PlannedComparison extends Comparison {
  readonly label: string;
  readonly rows: readonly RowSpec[];
}

export const HAPPY_TARGET = 0.99;
export const ERROR_TARGET = 1.0;
export const CPU_TARGET_MICROS = 40;

const slot = (id: string, form: Slot['form'] = 'fresh'): Slot => ({
  id,
  variant: id.replace(/#\d+$|@prebuilt$/, '') as Slot['variant'],
  form,
});

function happy(framework: string, app: FrameworkServer): PlannedComparison {
  const base = app.happyBaseline;
  const baseName = base === 'bare' ? 'no four29' : 'hand-written try/catch middleware';
  const aa = { num: `${base}#2`, den: base };
  const rows: RowSpec[] = [
    {
      kind: 'ratio',
      name: `happy path GET /ok, four29 / ${baseName}`,
      num: 'four29',
      den: base,
      target: { op: '>=', bound: HAPPY_TARGET },
      aa,
    },
    { kind: 'ratio', name: `happy path A/A, ${baseName} / the same`, ...aa },
  ];
  const slots = [slot(base), slot(`${base}#2`), slot('four29')];
  if (base !== 'bare') {
    slots.push(slot('bare'));
    rows.push({
      kind: 'ratio',
      name: 'happy path, four29 / no four29',
      num: 'four29',
      den: 'bare',
    });
  }
  return { framework, label: app.label, path: 'happy', slots, rows };
}

function error(framework: string, app: FrameworkServer): PlannedComparison {
  const slots = [
    slot('hand'),
    slot('hand#2'),
    slot('four29'),
    slot('four29-all'),
    slot('static'),
    slot('hand@prebuilt', 'prebuilt'),
    slot('four29@prebuilt', 'prebuilt'),
  ];
  const aaRatio = { num: 'hand#2', den: 'hand' };
  const rows: RowSpec[] = [
    {
      kind: 'ratio',
      name: 'error path 429, four29 (pino, default options) / hand-written (pino)',
      num: 'four29',
      den: 'hand',
      target: { op: '>=', bound: ERROR_TARGET },
      aa: aaRatio,
    },
    { kind: 'ratio', name: 'error path A/A, hand-written / the same', ...aaRatio },
    {
      kind: 'ratio',
      name: 'error path, four29 (pino, logSuppression: false) / hand-written',
      num: 'four29-all',
      den: 'hand',
      note: 'every error logged, as the hand-written handler does',
    },
    {
      kind: 'ratio',
      name: 'error path, static 503 / hand-written',
      num: 'static',
      den: 'hand',
      note: 'the physical limit',
    },
    {
      kind: 'ratio',
      name: 'error path, one prebuilt error rethrown: four29 (pino) / hand-written',
      num: 'four29@prebuilt',
      den: 'hand@prebuilt',
      note: "the bench's old error form",
    },
    {
      kind: 'cpu',
      name: 'CPU four29 adds per handled error (four29 pino − static 503)',
      num: 'four29',
      den: 'static',
      target: { op: '<=', bound: CPU_TARGET_MICROS },
      aa: aaRatio,
    },
    {
      kind: 'core',
      name: '  of which the core handler call',
      num: 'four29',
      note: 'createUpstreamErrorHandler’s handler, timed inside the adapter',
    },
    {
      kind: 'adapter',
      name: '  of which the adapter and framework (the rest)',
      num: 'four29',
      den: 'static',
      note: 'reading the request, sending the larger answer',
    },
    {
      kind: 'cpu',
      name: 'CPU hand-written adds per handled error (hand-written − static 503)',
      num: 'hand',
      den: 'static',
    },
    {
      kind: 'cpu',
      name: 'CPU four29 vs hand-written per handled error (four29 − hand-written)',
      num: 'four29',
      den: 'hand',
    },
    { kind: 'cpu', name: 'CPU A/A per request, hand-written − the same', ...aaRatio },
  ];
  return { framework, label: app.label, path: 'error', slots, rows };
}

export function plan(
  frameworks: readonly (readonly [string, FrameworkServer])[],
  paths: readonly Path[] = ['happy', 'error'],
): PlannedComparison[] {
  return frameworks.flatMap(([name, app]) =>
    paths.map((path) => (path === 'happy' ? happy(name, app) : error(name, app))),
  );
}
