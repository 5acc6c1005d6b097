import { describe, expect, it } from 'vitest';
import { packageNameOf, specifiers } from '../src/specifiers.js';
import { splitDiagnostics } from '../src/tsc.js';

describe('specifiers', () => {
  it('finds ESM imports and re-exports as esbuild writes them', () => {
    const code = [
      'import { createUpstreamErrorHandler } from "@four29/core";',
      "import express from 'express';",
      'import*as http from"node:http";',
      'import "side-effect";',
      'export { toProblem } from "@four29/core/problem";',
      'export * from "./local.js";',
      'const lazy = await import("lazy-dep");',
    ].join('\n');
    expect(specifiers(code)).toEqual([
      './local.js',
      '@four29/core',
      '@four29/core/problem',
      'express',
      'lazy-dep',
      'node:http',
      'side-effect',
    ]);
  });

  it('finds CommonJS requires', () => {
    const code = 'var import_core = require("@four29/core");\nconst k = require( \'koa\' );';
    expect(specifiers(code)).toEqual(['@four29/core', 'koa']);
  });

  it('finds type imports and reference directives in declaration files', () => {
    const code = [
      '/// <reference types="node" />',
      "import type { Context } from 'hono';",
      "export declare function f(x: import('@nestjs/common').ArgumentsHost): void;",
    ].join('\n');
    expect(specifiers(code)).toEqual(['@nestjs/common', 'hono', 'node']);
  });

  it('ignores method calls that look like imports', () => {
    const code = 'Array.from("abc"); Buffer.from(\'x\'); ctx.require("nope"); obj.import("no");';
    expect(specifiers(code)).toEqual([]);
  });
});

describe('packageNameOf', () => {
  it('keeps the scope and drops subpaths', () => {
    expect(packageNameOf('@four29/core')).toBe('@four29/core');
    expect(packageNameOf('@nestjs/common/decorators')).toBe('@nestjs/common');
    expect(packageNameOf('hono/http-exception')).toBe('hono');
    expect(packageNameOf('express')).toBe('express');
  });
});

describe('splitDiagnostics', () => {
  it('keeps errors in the consumer files and in @four29 declarations, sets aside other libraries', () => {
    const output = [
      "types-node16/koa.cts(3,10): error TS2305: Module '\"@four29/koa\"' has no exported member 'x'.",
      "node_modules/@four29/hono/dist/index.d.ts(2,30): error TS2307: Cannot find module 'hono/x'.",
      "node_modules/@types/koa/index.d.ts(358,64): error TS2694: Namespace has no exported member 'Options'.",
      "error TS5023: Unknown compiler option 'moduleResolutio'.",
      '  Some continuation line.',
    ].join('\n');
    const { ours, theirs } = splitDiagnostics(output);
    expect(ours).toHaveLength(3);
    expect(ours[1]).toContain('@four29/hono');
    expect(theirs).toEqual([expect.stringContaining('@types/koa')]);
  });

  it('finds nothing in a clean run', () => {
    expect(splitDiagnostics('')).toEqual({ ours: [], theirs: [] });
  });
});
