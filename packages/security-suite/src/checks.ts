import type { HandledUpstreamError, LogRecord, ProblemDocument } from '@four29/core';
import { UPSTREAM_ERROR_KINDS } from '@four29/core';
import { expect } from 'vitest';

/**
 * Largest problem body four29 may send. The document is built from classified fields only: a type
 * URL, a title, one detail sentence and at most eight caller steps of bounded length.
 */
export const MAX_PROBLEM_BYTES = 16 * 1024;
/** Largest serialized log record: every string in it is redacted and cut to at most 1,000 characters. */
export const MAX_LOG_RECORD_BYTES = 8 * 1024;
/** Longest Retry-After four29 sends (core's MAX_RETRY_AFTER_SECONDS): restated as the suite's own oracle. */
export const MAX_RETRY_AFTER_SECONDS = 86_400;

/** Text that only a stack trace or a source path puts into a response. */
export const STACK_TRACE = /^\s*at .+[:(]\d+|node_modules|file:\/\/|\.[cm]?[jt]sx?:\d+:\d+/m;

/** Header values that could split a response or forge a header: anything outside visible ASCII and space. */
const UNSAFE_HEADER_VALUE = /[^\x20-\x7e]/;

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

function expectString(value: unknown, label: string, max: number): void {
  expect(typeof value, label).toBe('string');
  expect((value as string).length, label).toBeGreaterThan(0);
  expect((value as string).length, label).toBeLessThanOrEqual(max);
}

/**
 * What any client may rely on in a four29 answer, checked from the bytes alone: an RFC 9457
 * problem+json document with a 4xx/5xx status that matches the HTTP status, a bounded body, an
 * integer Retry-After that agrees with the document, and nothing that looks like a stack trace.
 */
export interface ProblemCheckOptions {
  /** The operator configured `problemTypeBase`: `type` is their text, not necessarily a URL. */
  readonly customType?: boolean;
}

export function expectValidProblem(
  answer: HttpAnswer,
  options: ProblemCheckOptions = {},
): ProblemDocument {
  expect(Number.isInteger(answer.status), 'status is an integer').toBe(true);
  expect(answer.status).toBeGreaterThanOrEqual(400);
  expect(answer.status).toBeLessThanOrEqual(599);
  expect(answer.headers['content-type']).toBe('application/problem+json');
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(Buffer.byteLength(answer.body)).toBeLessThanOrEqual(MAX_PROBLEM_BYTES);
  for (const [name, value] of Object.entries(answer.headers)) {
    expect(value, `header ${name}`).not.toMatch(UNSAFE_HEADER_VALUE);
  }
  expect(answer.body).not.toMatch(STACK_TRACE);
  const doc = JSON.parse(answer.body) as ProblemDocument;
  expect(typeof doc).toBe('object');
  expect(typeof doc.type).toBe('string');
  if (options.customType !== true) expect(doc.type).toMatch(/^https?:\/\/\S+$/);
  expectString(doc.title, 'title', 200);
  expectString(doc.detail, 'detail', 2000);
  expect(doc.status).toBe(answer.status);
  expect(UPSTREAM_ERROR_KINDS).toContain(doc.kind);
  expect(typeof doc.retryable).toBe('boolean');
  expect(Array.isArray(doc.remediation)).toBe(true);
  expect(doc.remediation.length).toBeLessThanOrEqual(8);
  for (const step of doc.remediation) {
    expectString(step.id, 'step id', 100);
    expectString(step.title, 'step title', 201);
    expectString(step.detail, 'step detail', 1001);
    if (step.url !== undefined) expect(step.url).toMatch(/^https?:\/\//);
  }
  const header = answer.headers['retry-after'];
  if (doc.retryAfter === undefined) {
    expect(header, 'Retry-After without retryAfter in the document').toBeUndefined();
  } else {
    expect(Number.isSafeInteger(doc.retryAfter)).toBe(true);
    expect(doc.retryAfter).toBeGreaterThanOrEqual(0);
    expect(doc.retryAfter).toBeLessThanOrEqual(MAX_RETRY_AFTER_SECONDS);
    expect(doc.retryable).toBe(true);
    expect(header).toBe(String(doc.retryAfter));
  }
  if (header !== undefined) expect(header).toMatch(/^\d+$/);
  return doc;
}

/** A log record is data for a JSON log pipeline: serializable, one line, bounded, no stray types. */
export function expectValidLogRecord(record: unknown): LogRecord {
  const line = JSON.stringify(record);
  expect(typeof line).toBe('string');
  expect(line).not.toMatch(/[\r\n]/);
  expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LOG_RECORD_BYTES);
  // Round-trips exactly: no undefined, NaN, Infinity, BigInt, functions or symbols inside.
  expect(JSON.parse(line)).toStrictEqual(record);
  const r = record as LogRecord;
  expect(r.event).toBe('four29.upstream_error');
  expect(UPSTREAM_ERROR_KINDS).toContain(r.kind);
  return r;
}

/** Everything the core handler returned for one error, checked as an adapter would send it. */
export function expectValidHandled(
  handled: HandledUpstreamError,
  options: ProblemCheckOptions & { readonly downstreamStatus?: unknown } = {},
): void {
  const doc = expectValidProblem(
    { status: handled.status, headers: handled.headers, body: handled.body },
    options,
  );
  expect(handled.problem.body).toStrictEqual(doc);
  expect(handled.sse).toBe(`event: error\ndata: ${handled.body}\n\n`);
  expectValidLogRecord(handled.log);
  if (options.downstreamStatus === undefined) {
    expect(handled.log.downstream.status).toBe(handled.status);
  }
}
