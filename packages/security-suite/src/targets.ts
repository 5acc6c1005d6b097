import 'reflect-metadata';
import * as four29Express from '@four29/express';
import * as four29Fastify from '@four29/fastify';
import * as four29Hono from '@four29/hono';
import * as four29Koa from '@four29/koa';
import { Four29Module } from '@four29/nest';
import {
  type AppSpec,
  expressTargets,
  fastifyTargets,
  honoTargets,
  koaTargets,
  nestTargets,
  type Target,
} from '@four29/test-kit/targets';
import * as common from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ThrottlerException, ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { injectRequest, type RawResponse, type RequestInit, rawRequest } from './net.js';

export { type AppSpec, STREAM_TOKEN, type Target } from '@four29/test-kit/targets';

const nest = nestTargets({
  label: 'nest',
  common,
  NestFactory,
  Four29Module,
  ThrottlerModule,
  ThrottlerGuard,
  ThrottlerException,
  platforms: { express: () => new ExpressAdapter(), fastify: () => new FastifyAdapter() },
});
const hono = honoTargets(four29Hono);

/** Every adapter, each through its real framework (Nest on both of its HTTP platforms). */
export const TARGETS: readonly Target[] = [
  expressTargets(four29Express).express5,
  koaTargets(four29Koa).koa3,
  hono.node,
  nest.express,
  nest.fastify,
  fastifyTargets(four29Fastify).fastify5,
];

/** A started app as these tests reach it: raw bytes over a real TCP connection, or injected. */
export interface RunningApp {
  /** Base URL of the real socket on 127.0.0.1. */
  readonly url: string;
  /** One request over a real TCP connection. */
  request(path: string, init?: RequestInit): Promise<RawResponse>;
  /** The same request through the app's real http.Server without a socket (see injectRequest). */
  inject(path: string, init?: RequestInit): Promise<RawResponse>;
  close(): Promise<void>;
}

export async function start(target: Target, spec: AppSpec): Promise<RunningApp> {
  const app = await target.start(spec);
  const server = app.server;
  if (server === undefined) throw new Error(`${target.name} runs without a server`);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`${target.name}: no port`);
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    request: (path, init) => rawRequest(url, path, init),
    inject: (path, init) => injectRequest(server, path, init),
    close: () => app.close(),
  };
}
