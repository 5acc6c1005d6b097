import 'reflect-metadata';
import { defineNestMajorSuite } from '@four29/conformance/nest';
import { Four29Module, UpstreamErrorFilter } from '@four29/nest';
import * as common from '@nestjs/common';
import { BaseExceptionFilter, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ThrottlerException, ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';

// Every import above resolves against this package's Nest 12 install.
await defineNestMajorSuite({
  major: 12,
  from: import.meta.url,
  common,
  NestFactory,
  BaseExceptionFilter,
  Four29Module,
  UpstreamErrorFilter,
  ThrottlerException,
  ThrottlerGuard,
  ThrottlerModule,
  platforms: { express: () => new ExpressAdapter(), fastify: () => new FastifyAdapter() },
});
