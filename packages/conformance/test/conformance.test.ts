import * as four29Express from '@four29/express';
import * as four29Fastify from '@four29/fastify';
import * as four29Hono from '@four29/hono';
import * as four29Koa from '@four29/koa';
import { expressTargets, fastifyTargets, honoTargets, koaTargets } from '@four29/test-kit/targets';
import { buildCases } from '../src/cases.js';
import { defineConformanceSuite } from '../src/harness.js';

// Top-level await: the SDK cases come from real calls to the mock upstream, and vitest needs the
// case ids when it collects the tests.
const cases = await buildCases();

const express = expressTargets(four29Express);
const koa = koaTargets(four29Koa);
const hono = honoTargets(four29Hono);
const fastify = fastifyTargets(four29Fastify);

defineConformanceSuite({
  cases,
  targets: [
    express.express4,
    express.express5,
    koa.koa2,
    koa.koa3,
    hono.node,
    hono.request,
    fastify.fastify4,
    fastify.fastify5,
  ],
  passthrough: [express.express5, koa.koa3, hono.node, fastify.fastify5],
});
