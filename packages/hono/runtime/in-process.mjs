// Bun and Deno: run the app through its own fetch handler.
import app from './app.mjs';
import { check } from './check.mjs';

const runtime = typeof Bun !== 'undefined' ? `bun ${Bun.version}` : `deno ${Deno.version.deno}`;
const ok = await check((path) => app.fetch(new Request(`http://app.test${path}`)), runtime);
if (!ok) (typeof Deno !== 'undefined' ? Deno : process).exit(1);
