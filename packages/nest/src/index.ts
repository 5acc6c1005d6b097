export type { Four29Options } from '@four29/core';
export { Four29Module } from './four29.module.js';
export { FOUR29_OPTIONS, type Four29ModuleAsyncOptions } from './options.js';
export { UpstreamErrorFilter } from './upstream-error.filter.js';
export { type SseProblemEvent, UpstreamSseInterceptor } from './upstream-sse.interceptor.js';
