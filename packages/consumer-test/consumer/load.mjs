// The ESM twin of load.cjs: import() each package and report its exports and resolved file.
import { fileURLToPath } from 'node:url';

const out = {};
for (const name of process.argv.slice(2)) {
  const file = fileURLToPath(import.meta.resolve(name));
  out[name] = { file, exports: Object.keys(await import(name)).sort() };
}
console.log(JSON.stringify(out));
