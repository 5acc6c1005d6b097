/**
 * `redact` skips the built-in patterns when MAY_HOLD_SECRET finds none of their literals. That is
 * only safe while the gate matches everything any pattern matches: checked here per pattern, per
 * literal, and over generated strings made of the patterns' pieces in any letter case, with
 * non-ASCII look-alikes (JavaScript's case-insensitive matching without the u flag does not fold
 * them onto ASCII, for the patterns or the gate).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_LITERALS, BUILT_IN_PATTERNS, MAY_HOLD_SECRET, redact } from '../src/redact.js';

/** One string each built-in pattern matches, in pattern order. */
const SAMPLES: readonly string[] = [
  'key sk-proj-abc*****wxyz here',
  'sk-ant-api03-AAAAAAAAAAAAAAAA',
  'sk-proj-AAAAAAAAAAAAAAAAAAAA',
  'AIzaSyA-0000000000000000000000000',
  'ya29.a0AfB_byC0000000000000000000',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.signature',
  'Authorization: bearer abc123def456',
  'Basic dXNlcjpwYXNzd29yZA==',
  'https://x.example/v1?KEY=abcdef123456',
  'AKIAIOSFODNN7EXAMPLE',
  'ghp_000000000000000000000000000000000000',
  'github_pat_11AAAAAAAAAAAAAAAAAAAAAA',
  'org-FAKEorg0000',
  'proj_FAKEproj0000',
  'org_01abcdefghijk',
  'for your Organization (00000000-0000-4000-8000-000000000000)',
  "for consumer 'project_number:123456789012'.",
  'User: arn:aws:iam::123456789012:user/alice is not authorized',
];

/** Labels and prefixes the patterns look for, and neighbours that are not quite them. */
const LABELS = [
  'sk-',
  'sk-ant-',
  'sk-proj-',
  'AIza',
  'ya29.',
  'eyJ',
  'Bearer',
  'Basic',
  'api_key',
  'api-key',
  'apikey',
  'access_token',
  'access-token',
  'key',
  'token',
  'secret',
  'password',
  'AKIA',
  'ASIA',
  'ghp_',
  'gho_',
  'ghu_',
  'ghs_',
  'ghr_',
  'github_pat_',
  'org-',
  'org_',
  'proj_',
  'org',
  'organisation',
  'organization',
  'project',
  'account',
  'workspace',
  'ſecret',
  'paſſword',
  'workſpace',
  'Key',
  'ke',
  'tok',
  'project_number:',
  'projects/',
  'arn:aws:iam::',
  'arn:aws-cn:bedrock:us-east-1:',
  'arn',
  '***',
  '*',
];

const SEPARATORS = ['', ' ', '  ', '=', ': ', ':', '(', ' id ', ' ID: ', '"', "'", '.', '-', '_'];

const VALUES = [
  '00000000-0000-4000-8000-000000000000',
  'A1b2C3d4E5f6G7h8I9j0K1l2',
  'ABCDEFGHIJKLMNOP',
  'IOSFODNN7EXAMPLE',
  'dXNlcjpwYXNz==',
  'abc*****wxyz',
  'a0AfB_byC0000000000000000000.x',
  'abcdef12.ghijkl34.mn',
  '123456',
  '123456789012',
  '123456789012:user/alice',
  '1a2b3c4d****9f0e',
  '****9f0e',
];

/** A label, a separator and a value: the shape of a secret in running text, or a near miss. */
const fragment = fc
  .tuple(fc.constantFrom(...LABELS), fc.constantFrom(...SEPARATORS), fc.constantFrom(...VALUES))
  .map(([label, separator, value]) => `${label}${separator}${value}`);

function flipCase(text: string, mask: number): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    out += (mask >> (i % 31)) & 1 ? c.toUpperCase() : c.toLowerCase();
  }
  return out;
}

const secretish = fc
  .tuple(
    fc.array(
      fc.oneof(
        fragment,
        fc.constantFrom(...LABELS, ...SEPARATORS, ...VALUES),
        fc.string({ maxLength: 3 }),
      ),
      { maxLength: 4 },
    ),
    fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    fc.boolean(),
  )
  .map(([parts, mask, flip]) => (flip ? flipCase(parts.join(''), mask) : parts.join('')));

function anyPatternMatches(text: string): boolean {
  return BUILT_IN_PATTERNS.some((re) =>
    new RegExp(re.source, re.flags.replace('g', '')).test(text),
  );
}

describe('redact gate', () => {
  it('has a sample for every built-in pattern, and each sample passes the gate and is redacted', () => {
    expect(SAMPLES.length).toBe(BUILT_IN_PATTERNS.length);
    BUILT_IN_PATTERNS.forEach((re, i) => {
      const sample = SAMPLES[i] as string;
      expect(new RegExp(re.source, re.flags.replace('g', '')).test(sample), re.source).toBe(true);
      expect(MAY_HOLD_SECRET.test(sample), sample).toBe(true);
      expect(redact(sample), sample).toContain('[REDACTED]');
    });
  });

  it('matches every string any built-in pattern matches, whatever the letter case', () => {
    fc.assert(
      fc.property(secretish, (text) => {
        if (anyPatternMatches(text)) expect(MAY_HOLD_SECRET.test(text), text).toBe(true);
      }),
      { numRuns: 10_000 },
    );
  });

  it('runs each pattern only when one of its own literals is there, and that never skips a match', () => {
    expect(BUILT_IN_LITERALS.length).toBe(BUILT_IN_PATTERNS.length);
    BUILT_IN_LITERALS.forEach((literals, i) => {
      const sample = SAMPLES[i] as string;
      expect(
        literals.some((l) => sample.toLowerCase().includes(l)),
        sample,
      ).toBe(true);
      // Every per-pattern literal is one the shared gate lets through.
      for (const l of literals) expect(MAY_HOLD_SECRET.test(l), l).toBe(true);
    });
    fc.assert(
      fc.property(secretish, (text) => {
        const lower = text.toLowerCase();
        BUILT_IN_PATTERNS.forEach((re, i) => {
          if (new RegExp(re.source, re.flags.replace('g', '')).test(text))
            expect(
              (BUILT_IN_LITERALS[i] ?? []).some((l) => lower.includes(l)),
              `${re.source} on ${text}`,
            ).toBe(true);
        });
      }),
      { numRuns: 10_000 },
    );
  });

  it('redacts exactly what running every pattern in turn, until nothing changes, redacts', () => {
    const everyPattern = (text: string): string => {
      let out = text;
      for (let before = ''; before !== out; ) {
        before = out;
        for (const re of BUILT_IN_PATTERNS)
          out = out.replace(re, (_m: string, label: unknown) =>
            typeof label === 'string' ? `${label}[REDACTED]` : '[REDACTED]',
          );
      }
      return out;
    };
    fc.assert(
      fc.property(secretish, (text) => {
        expect(redact(text)).toBe(
          // biome-ignore lint/suspicious/noControlCharactersInRegex: redact strips them too
          everyPattern(text).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' '),
        );
      }),
      { numRuns: 10_000 },
    );
  });

  it('finds opaque keys exactly where the start-first form of each pattern does', () => {
    // The literal-first patterns check the key's start behind the literal (for speed); the plain
    // way to write the same rule puts the check first. Both must agree on every string.
    const literalFirst =
      /^(.+?)\(\?<=\(\?:\^\|\[\^A-Za-z0-9\]\|%\(\?:25\)\?\[0-9A-Fa-f\]\{2\}\)\1\)(.*)$/;
    const pairs = BUILT_IN_PATTERNS.flatMap((re) => {
      const m = literalFirst.exec(re.source);
      if (m === null) return [];
      const startFirst = new RegExp(
        `(?:(?<![A-Za-z0-9])|(?<=%(?:25)?[0-9A-Fa-f]{2}))${m[1]}${m[2]}`,
        re.flags,
      );
      return [[re, startFirst] as const];
    });
    expect(pairs.length).toBe(11);
    const text = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            ...LABELS,
            ...VALUES,
            '%',
            '%25',
            '%3D',
            '%253D',
            '%2',
            'x',
            '9',
            ' ',
            '-',
          ),
          fc.string({ maxLength: 3 }),
        ),
        { maxLength: 8 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (t) => {
        for (const [fast, plain] of pairs)
          expect(t.replace(fast, '#'), fast.source).toBe(t.replace(plain, '#'));
      }),
      { numRuns: 5_000 },
    );
  });

  it('lets plain strings through without running the patterns, and still strips control characters', () => {
    for (const plain of [
      'GET',
      '/v1/chat/completions',
      'rate_limit_exceeded',
      'openai.raise-usage-tier',
    ]) {
      expect(MAY_HOLD_SECRET.test(plain)).toBe(false);
      expect(redact(plain)).toBe(plain);
    }
    expect(redact('line one\nline two\u001b[31m')).toBe('line one line two [31m');
  });
});
