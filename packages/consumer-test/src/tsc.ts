import { execFile } from 'node:child_process';
import { cleanEnv } from './consumer-project.js';

export interface TscResult {
  /** Errors in the consumer's own files, in @four29 declarations, or global (config) errors. */
  readonly ours: string[];
  /** Errors inside other packages' declarations (e.g. @types/koa against a newer dependency). */
  readonly theirs: string[];
}

const THIRD_PARTY = /(^|[\\/])node_modules[\\/](?!@four29[\\/])/;

/**
 * Splits tsc diagnostics by where they are. The consumer project type-checks with
 * `skipLibCheck: false`, because skipping would hide an unresolvable import in our own .d.ts
 * (it silently becomes `any`); that also surfaces other libraries' declaration bugs, which are
 * not ours to fail on.
 */
export function splitDiagnostics(output: string): TscResult {
  const ours: string[] = [];
  const theirs: string[] = [];
  for (const line of output.split('\n')) {
    const match = /^(.*?)\(\d+,\d+\): error TS\d+/.exec(line);
    if (match !== null) (THIRD_PARTY.test(match[1] ?? '') ? theirs : ours).push(line);
    else if (/\berror TS\d+/.test(line)) ours.push(line);
  }
  return { ours, theirs };
}

/** Runs tsc; resolves with the diagnostics whether or not it exits 0. */
export function tsc(cwd: string, tscPath: string, config: string): Promise<TscResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [tscPath, '-p', config, '--pretty', 'false'],
      { cwd, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const result = splitDiagnostics(`${stdout}\n${stderr}`);
        // A non-zero exit without a single diagnostic is tsc itself failing: say so.
        if (error && result.ours.length === 0 && result.theirs.length === 0) {
          reject(new Error(`tsc -p ${config} failed without diagnostics:\n${stdout}\n${stderr}`));
          return;
        }
        resolve(result);
      },
    );
  });
}
