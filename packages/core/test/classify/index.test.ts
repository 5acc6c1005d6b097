/**
 * Every fixture, in every form an app can throw it, must classify to exactly its `expected`
 * fields at FIXTURE_NOW. The SDK forms are built with each SDK's own `APIError.generate`, exactly
 * as the SDK's client does after a failed response.
 */
import Anthropic from '@anthropic-ai/sdk';
import {
  EXPECTED_KEYS,
  FIXTURE_NOW,
  fixtures,
  type RecordedResponse,
  type UpstreamFixture,
} from '@four29/fixtures';
import OpenAI from 'openai';
import OpenAI4 from 'openai4';
import OpenAI5 from 'openai5';
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/index.js';
import type { Classification } from '../../src/types.js';
import { UpstreamHttpError } from '../../src/upstream-http-error.js';

type Form = {
  readonly name: string;
  /** undefined when the form cannot carry this fixture faithfully. */
  readonly build: (r: RecordedResponse) => unknown;
};

function titleCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

function bodyText(body: unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** What the SDK clients do with a failed response: JSON when it parses, else the text as message. */
function sdkArgs(r: RecordedResponse): [object | undefined, string | undefined] {
  return typeof r.body === 'string' ? [undefined, r.body] : [r.body as object, undefined];
}

/**
 * openai-node keeps only the body's `error` member: forms only for bodies that have one (or text),
 * and not for Anthropic's native envelope (Anthropic's OpenAI-compatible endpoint answers in
 * OpenAI's format, so openai-node never sees that envelope).
 */
function openaiCarries(r: RecordedResponse): boolean {
  if (typeof r.body === 'string') return true;
  const body = r.body as { error?: unknown; type?: unknown } | null;
  return typeof body?.error === 'object' && body.error !== null && body.type !== 'error';
}

const forms: readonly Form[] = [
  { name: 'descriptor, object headers', build: (r) => ({ ...r }) },
  {
    name: 'descriptor, Headers',
    build: (r) => ({ status: r.status, headers: new Headers(r.headers), body: r.body }),
  },
  {
    name: 'descriptor, Map',
    build: (r) => ({ status: r.status, headers: new Map(Object.entries(r.headers)), body: r.body }),
  },
  {
    name: 'descriptor, mixed-case keys, string body',
    build: (r) => ({
      status: r.status,
      headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [titleCase(k), v])),
      body: bodyText(r.body),
    }),
  },
  {
    name: 'descriptor, array header values',
    build: (r) => ({
      status: r.status,
      headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, [v]])),
      body: r.body,
    }),
  },
  {
    name: 'openai v4 APIError',
    build: (r) =>
      openaiCarries(r)
        ? OpenAI4.APIError.generate(r.status, ...sdkArgs(r), { ...r.headers })
        : undefined,
  },
  {
    name: 'openai v5 APIError',
    build: (r) =>
      openaiCarries(r)
        ? OpenAI5.APIError.generate(r.status, ...sdkArgs(r), new Headers(r.headers))
        : undefined,
  },
  {
    name: 'openai v6 APIError',
    build: (r) =>
      openaiCarries(r)
        ? OpenAI.APIError.generate(r.status, ...sdkArgs(r), new Headers(r.headers))
        : undefined,
  },
  {
    name: '@anthropic-ai/sdk APIError',
    build: (r) => Anthropic.APIError.generate(r.status, ...sdkArgs(r), new Headers(r.headers)),
  },
  {
    name: 'UpstreamHttpError',
    build: (r) => new UpstreamHttpError({ status: r.status, headers: r.headers, body: r.body }),
  },
  {
    name: 'UpstreamHttpError wrapped in an app Error',
    build: (r) =>
      new Error('chat completion failed', {
        cause: new UpstreamHttpError({ status: r.status, headers: r.headers, body: r.body }),
      }),
  },
  {
    name: 'openai v6 APIError two causes deep',
    build: (r) =>
      openaiCarries(r)
        ? new Error('request failed', {
            cause: new Error('llm call failed', {
              cause: OpenAI.APIError.generate(r.status, ...sdkArgs(r), new Headers(r.headers)),
            }),
          })
        : undefined,
  },
];

function pick(c: Classification | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c === null) return out;
  for (const key of EXPECTED_KEYS) out[key] = c[key];
  return out;
}

function expectedOf(f: UpstreamFixture): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of EXPECTED_KEYS) out[key] = f.expected[key];
  return out;
}

describe('fixtures', () => {
  it('cover every provider and scenario the mock upstream replays', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(25);
    expect(new Set(fixtures.map((f) => f.id)).size).toBe(fixtures.length);
    for (const f of fixtures) expect(f.source.length).toBeGreaterThan(10);
  });
});

describe.each(forms)('classify: $name', (form) => {
  const cases = fixtures.filter((f) => form.build(f.respond(FIXTURE_NOW)) !== undefined);
  it.each(cases.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const thrown = form.build(f.respond(FIXTURE_NOW));
    const c = classify(thrown, { now: FIXTURE_NOW });
    expect(c).not.toBeNull();
    expect(pick(c)).toEqual(expectedOf(f));
    // exactOptionalPropertyTypes: absent fields are omitted, never set to undefined.
    for (const [key, value] of Object.entries(c ?? {})) expect(value, key).not.toBeUndefined();
    expect(c?.remediation).toEqual(expect.objectContaining({ causes: expect.any(Array) }));
  });
});

describe('upstreamMessage', () => {
  it('is redacted: no org, project ids or keys from the fixtures reach it', () => {
    for (const f of fixtures) {
      const c = classify(f.respond(FIXTURE_NOW), { now: FIXTURE_NOW });
      const message = c?.upstreamMessage ?? '';
      expect(message, f.id).not.toMatch(
        /org-FAKEorg0000|proj_FAKEproj0000|sk-proj-\*|00000000-0000-4000-8000-000000000000|org_01fake/,
      );
      expect(message.length, f.id).toBeLessThanOrEqual(1001);
    }
  });
});
