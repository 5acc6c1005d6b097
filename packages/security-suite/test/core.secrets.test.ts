/**
 * Secrets planted at random places of realistic upstream errors never reach what the core handler
 * hands an adapter to send (status, headers, body, SSE event) nor its log record. The over-HTTP
 * check with every fixture and every adapter is secrets.http.test.ts.
 */
import { createUpstreamErrorHandler, type LogRecord, UpstreamHttpError } from '@four29/core';
import { FIXTURE_NOW, fixtureById, fixtures } from '@four29/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { causeChain, SHAPES, shaped } from '../src/arbitraries.js';
import { fcParams } from '../src/runs.js';
import {
  ALL_SECRETS,
  CANARY,
  leaksIn,
  PLANTED,
  SECRETS,
  SELF_IDENTIFYING,
} from '../src/secrets.js';

/** What sits right before a secret in real text: never a letter, digit or underscore. */
const SEPARATOR = fc.constantFrom(
  ' ',
  '"',
  '=',
  ': ',
  '(',
  '/',
  '\n',
  ', ',
  "'",
  '[',
  '<',
  '\t',
  '',
);

const SITES = [
  'body.message',
  'body.extra',
  'body.nested',
  'header.value',
  'header.echo',
  'error.message',
  'error.requestId',
  'error.code',
  'error.provider',
  'error.url',
  'cause.message',
  'context.query',
  'context.path',
  'context.requestId',
] as const;

type Site = (typeof SITES)[number];

interface Plant {
  readonly site: Site;
  readonly secret: string;
  readonly before: string;
}

/** Sites that hold one token, not text: only a secret recognizable on its own can sit there. */
const TOKEN_SITES: ReadonlySet<Site> = new Set([
  'header.value',
  'error.requestId',
  'error.provider',
  'error.url',
  'context.query',
  'context.path',
  'context.requestId',
]);

const plant: fc.Arbitrary<Plant> = fc.constantFrom(...SITES).chain((site) =>
  fc.record({
    site: fc.constant(site),
    secret: fc.constantFrom(...(TOKEN_SITES.has(site) ? SELF_IDENTIFYING : PLANTED)),
    before: TOKEN_SITES.has(site) ? fc.constant('') : SEPARATOR,
  }),
);

function text(plants: readonly Plant[], site: Site): string {
  return plants
    .filter((p) => p.site === site)
    .map((p) => `${p.before}${p.secret}`)
    .join(' ');
}

describe('planted secrets', () => {
  it('never reach the answer, and never the log record, wherever they sit in the error', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures.map((f) => f.id)),
        fc.constantFrom(...SHAPES.filter((s) => s !== 'fetch-failed' && s !== 'aws-sdk')),
        fc.array(plant, { minLength: 1, maxLength: 8 }),
        fc.nat({ max: 3 }),
        (id, shape, plants, depth) => {
          const r = fixtureById(id).respond(FIXTURE_NOW);
          const at = (site: Site) => text(plants, site);
          const body =
            typeof r.body === 'object' && r.body !== null && !Array.isArray(r.body)
              ? {
                  ...(r.body as Record<string, unknown>),
                  error: {
                    ...((r.body as { error?: object }).error ?? {}),
                    message: `${CANARY} ${at('body.message')}`,
                  },
                  extra: at('body.extra'),
                  nested: { deeper: [{ text: at('body.nested') }] },
                }
              : `${String(r.body)} ${at('body.message')} ${at('body.extra')}`;
          const headers: Record<string, string> = {
            ...r.headers,
            'x-echo': at('header.echo').replace(/[\r\n\t]/g, ' '),
          };
          for (const name of Object.keys(r.headers)) {
            if (at('header.value') !== '')
              headers[name] = at('header.value').replace(/[\r\n\t]/g, ' ');
            break;
          }
          let error = shaped(shape, {
            status: r.status,
            headers,
            body,
            message: `${r.status} ${at('error.message')}`,
            name: at('error.requestId').trim() || 'APIError',
          });
          if (typeof error === 'object' && error !== null) {
            Object.assign(error, {
              ...(at('error.code') !== '' ? { code: at('error.code') } : {}),
              ...(at('error.requestId') !== '' ? { requestID: at('error.requestId').trim() } : {}),
            });
            if (at('error.provider') !== '' && error instanceof UpstreamHttpError) {
              Object.defineProperty(error, 'provider', { value: at('error.provider') });
            }
            if (at('error.url') !== '' && error instanceof UpstreamHttpError) {
              Object.defineProperty(error, 'url', {
                value: `https://x.example/v1?key=${at('error.url')}`,
              });
            }
          }
          error = causeChain(error, depth);
          if (depth > 0 && at('cause.message') !== '') {
            Object.defineProperty(error as object, 'message', {
              value: `wrapping ${at('cause.message')}`,
            });
          }
          const records: LogRecord[] = [];
          const handle = createUpstreamErrorHandler({
            now: () => FIXTURE_NOW,
            logSuppression: false,
            logger: {
              warn: (obj, msg) => records.push({ msg, ...obj } as unknown as LogRecord),
              error: (obj, msg) => records.push({ msg, ...obj } as unknown as LogRecord),
            },
          });
          const handled = handle(error, {
            method: 'POST',
            // Path segments as a client sends them, one planted secret per segment.
            path: `/v1/chat/${plants
              .filter((p) => p.site === 'context.path')
              .map((p) => p.secret.replace(/[\s()]/g, ''))
              .join('/')}?key=${at('context.query').trim()}`,
            ...(at('context.requestId') !== ''
              ? { requestId: at('context.requestId').trim() }
              : {}),
          });
          expect(handled, 'every fixture is an upstream error').not.toBeNull();
          if (handled === null) return;
          const sent = [
            String(handled.status),
            JSON.stringify(handled.headers),
            handled.body,
            handled.sse,
          ].join('\n');
          expect(leaksIn(sent), 'secret sent downstream').toEqual([]);
          expect(sent).not.toContain(CANARY);
          expect(records).toHaveLength(1);
          expect(leaksIn(JSON.stringify(records)), 'secret in the log record').toEqual([]);
        },
      ),
      fcParams('core.secrets.planted'),
    );
  });

  it('the check can fail: an unredacted planted secret is found', () => {
    for (const secret of ALL_SECRETS) {
      expect(leaksIn(`{"message":"x ${secret}"}`)).toHaveLength(1);
      // A leak of only the secret's tail (a pattern that stopped early) is found too.
      expect(leaksIn(`[REDACTED]${secret.slice(-14)}`).length).toBeGreaterThanOrEqual(
        secret.includes('*') ? 0 : 1,
      );
    }
  });
});

describe('keys inside percent-encoded URLs', () => {
  // A percent-encoded separator ends in a hex digit or letter (%3D, %20, %22), so patterns anchored
  // with \b would not see a key right after one.
  it('a key right after a percent-encoded separator is redacted from the log record', () => {
    const records: unknown[] = [];
    const handle = createUpstreamErrorHandler({
      logSuppression: false,
      logger: { warn: (obj) => records.push(obj), error: (obj) => records.push(obj) },
    });
    handle({
      status: 429,
      headers: {},
      body: {
        error: {
          message: `redirect=https%3A%2F%2Fx.example%2Fv1%3Fkey%3D${SECRETS.googleApiKey}%26auth%3DBearer%2520${SECRETS.openaiProjectKey}`,
        },
      },
    });
    expect(leaksIn(JSON.stringify(records))).toEqual([]);
  });
});
