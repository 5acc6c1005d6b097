// Bun and Deno: run the app through its own fetch handler, against Node's answers.
import { readFileSync } from 'node:fs';
import app from './app.mjs';
import { check } from './check.mjs';

const runtime = typeof Bun !== 'undefined' ? `bun ${Bun.version}` : `deno ${Deno.version.deno}`;
const expected = JSON.parse(
  readFileSync(new URL('../.tmp/expected.json', import.meta.url), 'utf8'),
);
const ok = await check(
  (path) => app.fetch(new Request(`http://app.test${path}`)),
  expected,
  runtime,
);
if (!ok) (typeof Deno !== 'undefined' ? Deno : process).exit(1);
