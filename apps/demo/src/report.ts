import { type Case, caseId } from './cases.js';
import { cell, type Disagreement, type Outcome } from './runner.js';

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - text.length));
}

/** Scenario × framework, one row per case: status, Retry-After and kind in each cell. */
export function renderTable(
  outcomes: readonly Outcome[],
  frameworks: readonly string[],
  cases: readonly Case[],
  disagreeing: readonly Disagreement[],
): string {
  const bad = new Set(disagreeing.map((d) => caseId(d.case)));
  const header = ['scenario', 'route', ...frameworks, 'agree'];
  const rows = cases.map((c) => [
    c.scenario,
    c.route,
    ...frameworks.map((name) => {
      const o = outcomes.find((x) => x.framework === name && caseId(x.case) === caseId(c));
      return o !== undefined ? cell(o) : '';
    }),
    bad.has(caseId(c)) ? 'NO' : 'yes',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells
      .map((text, i) => pad(text, widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The answer as a client sees it: status line, four29's headers, pretty body. */
export function renderProblem(o: Outcome): string {
  const lines = [`HTTP/1.1 ${o.status}`];
  for (const name of ['content-type', 'cache-control', 'retry-after']) {
    const value = o.headers[name];
    if (value !== undefined) lines.push(`${name}: ${value}`);
  }
  lines.push('', o.problem !== undefined ? JSON.stringify(o.problem, null, 2) : o.body);
  return lines.join('\n');
}

export function renderDisagreements(disagreeing: readonly Disagreement[]): string {
  return disagreeing
    .map((d) =>
      [
        `${caseId(d.case)}:`,
        ...[...d.groups].map(
          ([sig, names]) =>
            `  ${names.join(', ')}: ${sig.length > 600 ? `${sig.slice(0, 600)}…` : sig}`,
        ),
      ].join('\n'),
    )
    .join('\n');
}
