// Serves the bundled app (.tmp/worker.js) with workerd on a free loopback
// port and checks it over real HTTP. Usage: node workerd.mjs <workerd binary>
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { check } from './check.mjs';
import { nodeAnswers } from './expected.mjs';

const bin = process.argv[2];
const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const config = fileURLToPath(new URL('./workerd.capnp', import.meta.url));
const child = spawn(bin, ['serve', config, `--socket-addr=http=127.0.0.1:${port}`], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
let exited = false;
child.on('exit', () => {
  exited = true;
});

let ok = false;
try {
  const base = `http://127.0.0.1:${port}`;
  // workerd prints nothing when it is listening, so poll until it answers.
  for (let i = 0; i < 200 && !exited; i++) {
    try {
      await fetch(`${base}/`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const version = await new Promise((resolve) => {
    const v = spawn(bin, ['--version']);
    let out = '';
    v.stdout.on('data', (d) => (out += d));
    v.on('close', () => resolve(out.trim()));
  });
  ok = !exited && (await check((path) => fetch(`${base}${path}`), await nodeAnswers(), version));
  if (exited) console.error('workerd exited before it served');
} finally {
  child.kill();
}
process.exit(ok ? 0 : 1);
