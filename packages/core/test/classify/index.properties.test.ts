/**
 * classify runs on the error path of a server: whatever it is handed, it must return null or a
 * valid Classification, never throw, and do bounded work.
 */
import { FIXTURE_NOW, fixtures } from '@four29/fixtures';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { classify } from '../../src/classify/index.js';
import { assertValidClassification } from '../support.js';

const NOW = FIXTURE_NOW;
const RUNS = Number(process.env.FC_RUNS ?? 2000);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('properties', () => {
  it('classify never throws and returns null or a valid Classification for anything', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withObjectString: true,
          withSparseArray: true,
          withTypedArray: true,
        }),
        (value) => {
          assertValidClassification(classify(value, { now: NOW }));
        },
      ),
      { numRuns: RUNS },
    );
  });

  const headerName = fc.oneof(
    fc.constantFrom(
      'retry-after',
      'Retry-After',
      'retry-after-ms',
      'x-request-id',
      'request-id',
      'x-ratelimit-remaining-tokens',
      'x-ratelimit-reset-tokens',
      'x-ratelimit-reset-requests',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
      'anthropic-ratelimit-input-tokens-reset',
      'anthropic-ratelimit-input-tokens-remaining',
      'x-rate-limit-reset-tokens',
      'ratelimit',
      'ratelimit-policy',
      'ratelimit-reset',
      'apim-request-id',
      'x-amzn-errortype',
    ),
    fc.string({ maxLength: 20 }),
  );
  const headerValue = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.integer().map(String),
    fc.double().map(String),
    fc.constantFrom(
      '6m0s',
      '1.146s',
      '2m59.56s',
      '0',
      '-1',
      '99999999999',
      'Sun, 01 Nov 2026 12:00:00 GMT',
    ),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  );
  const message = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.constantFrom(...fixtures.map((f) => JSON.stringify(f.respond(NOW).body))),
    fc
      .tuple(fc.nat(), fc.nat(), fc.nat(), fc.constantFrom('TPM', 'RPD', 'IPM'))
      .map(
        ([l, u, r, unit]) =>
          `Rate limit reached on tokens per min (${unit}): Limit ${l}, Used ${u}, Requested ${r}. Please try again in ${u}ms.`,
      ),
  );
  const body = fc.oneof(
    fc.jsonValue(),
    message,
    fc.record(
      {
        error: fc.record(
          {
            message,
            type: fc.oneof(
              fc.string({ maxLength: 20 }),
              fc.constantFrom(
                'tokens',
                'rate_limit_error',
                'overloaded_error',
                'insufficient_quota',
              ),
            ),
            code: fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null)),
            status: fc.constantFrom('RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'x'),
            details: fc.array(fc.anything(), { maxLength: 3 }),
            metadata: fc.record({ headers: fc.dictionary(headerName, headerValue) }),
          },
          { requiredKeys: [] },
        ),
        type: fc.constantFrom('error', 'x'),
      },
      { requiredKeys: [] },
    ),
  );

  it('descriptors {status, headers, body} in every header container classify to valid results', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 100, max: 700 }), fc.constantFrom(403, 408, 429, 503, 529)),
        fc.dictionary(headerName, headerValue, { maxKeys: 12 }),
        body,
        fc.constantFrom('object', 'Headers', 'Map'),
        (status, rawHeaders, b, container) => {
          let headers: unknown = rawHeaders;
          if (container === 'Map') headers = new Map(Object.entries(rawHeaders));
          if (container === 'Headers') {
            try {
              headers = new Headers(
                Object.entries(rawHeaders).map(([k, v]): [string, string] => [
                  k,
                  Array.isArray(v) ? v.join(',') : v,
                ]),
              );
            } catch {
              headers = rawHeaders;
            }
          }
          const c = classify({ status, headers, body: b }, { now: NOW });
          assertValidClassification(c);
          if (status >= 400 && status <= 599) expect(c).not.toBeNull();
        },
      ),
      { numRuns: RUNS },
    );
  });
});
