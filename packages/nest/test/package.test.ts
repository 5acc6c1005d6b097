import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { expected, recorded } from './support.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));

// A whole app in plain JavaScript (decorators applied by hand) on the built package, as a user's
// compiled app loads it: checks both builds against real Nest, outside vitest's own module loader.
const app = `
class Chat {
  ask() {
    throw new UpstreamHttpError(${JSON.stringify(recorded('anthropic.overloaded'))});
  }
}
Get('ask')(Chat.prototype, 'ask', Object.getOwnPropertyDescriptor(Chat.prototype, 'ask'));
Controller()(Chat);
class App {}
Module({ imports: [Four29Module.forRoot({ logger: false })], controllers: [Chat] })(App);
const app = await NestFactory.create(App, { logger: false });
await app.listen(0, '127.0.0.1');
const res = await fetch('http://127.0.0.1:' + app.getHttpServer().address().port + '/ask');
console.log(JSON.stringify({ status: res.status, type: res.headers.get('content-type'), body: await res.text() }));
await app.close();
`;

const programs = {
  esm: `import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { UpstreamHttpError } from '@four29/core';
import { Four29Module } from '@four29/nest';
${app}`,
  cjs: `require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { UpstreamHttpError } = require('@four29/core');
const { Four29Module } = require('@four29/nest');
(async () => {${app}})();`,
};

describe('the built package', () => {
  it.each(['esm', 'cjs'] as const)('works as %s in a Nest app', async (format) => {
    const args = format === 'esm' ? ['--input-type=module', '-e'] : ['-e'];
    const { stdout } = await run(process.execPath, [...args, programs[format]], {
      cwd: packageDir,
    });
    const want = expected(recorded('anthropic.overloaded'));
    expect(JSON.parse(stdout)).toEqual({
      status: want.status,
      type: 'application/problem+json',
      body: want.body,
    });
  });
});
