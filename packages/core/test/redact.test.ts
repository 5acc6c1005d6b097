import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH, redact } from '../src/redact.js';

// Secret-shaped test values, assembled at run time so secret scanners do not flag the test file.
const OPENAI_LEGACY = `sk-${'A1b2C3d4E5f6G7h8I9j0'.repeat(2)}`;
const OPENAI_PROJECT = `sk-proj-${'Xy9_Zw8-Vu7'.repeat(6)}`;
const OPENAI_SVCACCT = `sk-svcacct-${'q1W2e3R4t5Y6'.repeat(4)}`;
const OPENAI_MASKED = 'sk-proj-Ab12*************************************Xy9z';
const OPENAI_MASKED_LONG_PREFIX = 'sk-proj-Ab12Cd34Ef56Gh78Ij90****Xy9z';
const ANTHROPIC = `sk-ant-api03-${'aB3dE6gH9jK2mN5pQ8sT1vW4yZ7'.repeat(3)}-AAAA`;
const OPENROUTER = `sk-or-v1-${'0123456789abcdef'.repeat(4)}`;
const GOOGLE = `AIza${'SyD-3kQ9x_7LmNoPqRsTuVwXyZ01234'}`;
const AZURE_KEY = '0123456789abcdef0123456789abcdef';
const BEARER = `eyJhbGciOiJIUzI1NiJ9.${'eyJzdWIiOiIxMjM0NTY3ODkwIn0'}.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U`;
const GOOGLE_OAUTH = `ya29.${'a0AfH6SMBx-Qw3rTy_uIoP9aSdFgHjKl'}`;
const ORG = 'org-AbCdEf123456GhIjKl';
const PROJ = 'proj_AbCdEf123456GhIjKl';
const UUID = '3f6a2c1e-9b7d-4e8a-a1b2-c3d4e5f6a7b8';
const GITHUB = `ghp_${'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'}`;
const GITHUB_PAT = `github_pat_${'11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz'}`;
const AWS_KEY_ID = `AKIA${'IOSFODNN7EXAMPLE'}`;

describe('redact: each secret shape', () => {
  const cases: Array<[name: string, input: string, secret: string, keeps?: string]> = [
    ['OpenAI legacy key', `Incorrect API key provided: ${OPENAI_LEGACY}.`, OPENAI_LEGACY],
    ['OpenAI project key', `key ${OPENAI_PROJECT} rejected`, OPENAI_PROJECT],
    ['OpenAI service-account key', `using ${OPENAI_SVCACCT}`, OPENAI_SVCACCT],
    [
      "OpenAI's masked key",
      `Incorrect API key provided: ${OPENAI_MASKED}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      'Xy9z',
      'You can find your API key at https://platform.openai.com/account/api-keys.',
    ],
    ['masked key with a long prefix', `provided: ${OPENAI_MASKED_LONG_PREFIX}.`, 'Xy9z'],
    ['Anthropic key', `x-api-key: ${ANTHROPIC}`, ANTHROPIC],
    ['Anthropic key alone', `invalid ${ANTHROPIC} given`, 'aB3dE6gH9jK2'],
    ['OpenRouter key', `Bearer ${OPENROUTER}`, OPENROUTER],
    ['Google API key in a URL', `GET /v1beta/models?key=${GOOGLE}&alt=sse`, GOOGLE, '&alt=sse'],
    ['Google API key alone', `API key ${GOOGLE} not valid. Please pass a valid API key.`, GOOGLE],
    ['Bearer token (JWT)', `Authorization: Bearer ${BEARER}`, 'dozjgNryP4J3'],
    ['bare JWT', `token ${BEARER} expired`, 'eyJzdWIiOiIxMjM0NTY3ODkwIn0'],
    ['Google OAuth token', `credentials ${GOOGLE_OAUTH} expired`, GOOGLE_OAUTH],
    ['opaque bearer token', 'Authorization: Bearer abc123def456ghi789', 'abc123def456ghi789'],
    ['Basic credentials', 'Authorization: Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA'],
    ['Azure api-key header', `api-key: ${AZURE_KEY}`, AZURE_KEY],
    ['Azure api-key in JSON', `{"api-key":"${AZURE_KEY}"}`, AZURE_KEY],
    ['Azure api_key query', `?api_key=${AZURE_KEY}`, AZURE_KEY],
    ['password=', 'password=hunter2hunter2', 'hunter2hunter2'],
    [
      'OpenAI organization id',
      `in organization ${ORG} on tokens per min`,
      ORG,
      'on tokens per min',
    ],
    ['OpenAI project id', `for gpt-4o-mini in project ${PROJ} organization x`, PROJ],
    [
      'Anthropic organization uuid',
      `This request would exceed the rate limit for your organization (${UUID}) of 20,000 input tokens per minute.`,
      UUID,
      'of 20,000 input tokens per minute.',
    ],
    ['workspace id', `workspace id: ${UUID}`, UUID],
    [
      'Anthropic org uuid, newer wording',
      `Number of request tokens has exceeded your per-minute rate limit (org: ${UUID}, model: claude-sonnet-4)`,
      UUID,
      'model: claude-sonnet-4',
    ],
    [
      'Groq organization id',
      'Rate limit reached for model `llama-3.1-8b-instant` in organization `org_01hqx8z2abcdefghijk` on tokens per minute',
      'org_01hqx8z2abcdefghijk',
      'on tokens per minute',
    ],
    ['GitHub token', `token ${GITHUB}`, GITHUB],
    ['GitHub fine-grained token', `using ${GITHUB_PAT}`, GITHUB_PAT],
    ['AWS access key id', `The security token ${AWS_KEY_ID} is invalid`, AWS_KEY_ID],
  ];

  it.each(cases)('%s', (_name, input, secret, keeps) => {
    const out = redact(input);
    expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED]');
    if (keeps !== undefined) expect(out).toContain(keeps);
  });

  it('Google project numbers, AWS account ids in ARNs and masked keys without sk-, in real wordings', () => {
    const number = '123456789012';
    expect(
      redact(
        `Quota exceeded for quota metric 'Generate Content API requests per minute' and limit 'GenerateContent request limit per minute for a region' of service 'generativelanguage.googleapis.com' for consumer 'project_number:${number}'.`,
      ),
    ).toBe(
      "Quota exceeded for quota metric 'Generate Content API requests per minute' and limit 'GenerateContent request limit per minute for a region' of service 'generativelanguage.googleapis.com' for consumer 'project_number:[REDACTED]'.",
    );
    expect(redact(`"metadata": {"consumer": "projects/${number}", "service": "aiplatform"}`)).toBe(
      '"metadata": {"consumer": "projects/[REDACTED]", "service": "aiplatform"}',
    );
    expect(
      redact(
        `Generative Language API has not been used in project ${number} before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/generativelanguage.googleapis.com/overview?project=${number} then retry.`,
      ),
    ).toBe(
      'Generative Language API has not been used in project [REDACTED] before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/generativelanguage.googleapis.com/overview?project=[REDACTED] then retry.',
    );
    expect(
      redact(
        `User: arn:aws:iam::${number}:user/alice is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0 because no identity-based policy allows the bedrock:InvokeModel action`,
      ),
    ).toBe(
      'User: arn:aws:iam::[REDACTED]:user/alice is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0 because no identity-based policy allows the bedrock:InvokeModel action',
    );
    expect(
      redact(
        `User: arn:aws:sts::${number}:assumed-role/AppRole/session is not authorized to perform: bedrock:InvokeModelWithResponseStream`,
      ),
    ).toBe(
      'User: arn:aws:sts::[REDACTED]:assumed-role/AppRole/session is not authorized to perform: bedrock:InvokeModelWithResponseStream',
    );
    expect(
      redact(
        'Incorrect API key provided: 1a2b3c4d****9f0e. You can find your API key at https://platform.openai.com/account/api-keys.',
      ),
    ).toBe(
      'Incorrect API key provided: [REDACTED]. You can find your API key at https://platform.openai.com/account/api-keys.',
    );
    expect(redact(`provided: D57rV0ys${'*'.repeat(36)}Pp9p. You can`)).toBe(
      'provided: [REDACTED]. You can',
    );
    expect(redact(`provided: ${'*'.repeat(12)}9f0e.`)).toBe('provided: [REDACTED].');
  });

  it('finds keys right after a percent-encoded byte, once or twice encoded', () => {
    const url = `https%3A%2F%2Fx.example%2Fv1%3Fkey%3D${GOOGLE}%26auth%3DBearer%2520${ORG}`;
    const out = redact(`redirect=${url}`);
    expect(out).not.toContain(GOOGLE);
    expect(out).not.toContain(ORG);
    // A key glued to ordinary letters is not a key boundary: "task-…" stays.
    expect(redact('task-abcdefghijklmnopqrstuvwxyz')).toBe('task-abcdefghijklmnopqrstuvwxyz');
  });

  it('keeps labels so the message still reads', () => {
    expect(redact(`?key=${GOOGLE}`)).toBe('?key=[REDACTED]');
    expect(redact(`Authorization: Bearer ${BEARER}`)).toBe('Authorization: Bearer [REDACTED]');
    expect(redact(`organization (${UUID})`)).toBe('organization ([REDACTED])');
  });

  it('is idempotent', () => {
    for (const [, input] of cases) expect(redact(redact(input))).toBe(redact(input));
  });
});

describe('redact: no false redaction of ordinary provider messages', () => {
  const ordinary = [
    'Rate limit reached for gpt-4o-mini on tokens per min (TPM): Limit 50000, Used 47949, Requested 3006. Please try again in 1.146s. Visit https://platform.openai.com/account/rate-limits to learn more.',
    'Request too large for gpt-4o on tokens per min (TPM): Limit 30000, Requested 34307. The input or output tokens must be reduced in order to run successfully.',
    'You exceeded your current quota, please check your plan and billing details.',
    'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-02-01 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 33 seconds.',
    'Too many tokens, please wait before trying again.',
    'Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 10, model: gemini-2.0-flash. Please retry in 47.884324799s.',
    'max_tokens: 4096 > 2048, which is the maximum allowed number of output tokens for claude-3-haiku',
    'Overloaded',
    'The Basic tier includes 100 requests per day.',
    'bearer authentication failed for this request',
    'Invalid key: must be a string',
    'The engine is currently overloaded, please try again later',
    'API rate limit exceeded for 203.0.113.7. (But here is the good news: Authenticated requests get a higher rate limit.)',
    'sk-short is not a key',
    'an org-wide setting and project-level limits',
    "Quota exceeded for quota metric 'Generate Content API requests per minute' and limit 'GenerateContent request limit per minute for a region' of service 'generativelanguage.googleapis.com'.",
    'Resource exhausted. Please try again later. Please refer to https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.',
    'Your account is not authorized to invoke this API operation.',
    'Invocation of model ID arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0 with on-demand throughput is not supported.',
    'The project 2024 budget and *** markers stay',
  ];
  it.each(ordinary)('%s', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe('redact: bad inputs', () => {
  it('returns an empty string for anything that is not a string', () => {
    for (const value of [undefined, null, 42, {}, [], Symbol('x'), () => 'sk-x', new String('x')]) {
      expect(redact(value)).toBe('');
    }
  });

  it('bounds the length, also for huge bodies', () => {
    const out = redact('a'.repeat(10_000_000));
    expect(out.length).toBe(MAX_MESSAGE_LENGTH + 1);
    expect(out.endsWith('…')).toBe(true);
    expect(redact('short')).toBe('short');
  });

  it('strips control characters that could forge log lines', () => {
    expect(redact('line one\r\n{"level":"error"}\u0000\u001b[31m\u2028x')).toBe(
      'line one  {"level":"error"}  [31m x',
    );
    expect(redact('tab\tand newline\n')).toBe('tab and newline ');
  });

  it('applies extra patterns and a custom replacement', () => {
    expect(
      redact('customer acct-99887766 failed', { patterns: [/acct-\d+/], replacement: '***' }),
    ).toBe('customer *** failed');
    expect(redact(`key=${GOOGLE}`, { replacement: '<hidden>' })).toBe('key=<hidden>');
    expect(redact('a1 b2 a1', { patterns: [/a1/g] })).toBe('[REDACTED] b2 [REDACTED]');
  });

  it('ignores patterns and options it cannot use', () => {
    const hostile = {
      patterns: [
        null,
        'acct',
        {},
        {
          get source(): string {
            throw new Error('boom');
          },
        },
        /ok/,
      ],
      replacement: 42,
    } as unknown as Parameters<typeof redact>[1];
    expect(redact('ok acct', hostile)).toBe('[REDACTED] acct');
    expect(redact('ok', { patterns: 'nope' } as unknown as Parameters<typeof redact>[1])).toBe(
      'ok',
    );
  });

  it('never throws and never lets a planted key through (property)', () => {
    const keys = fc.constantFrom(
      OPENAI_LEGACY,
      OPENAI_PROJECT,
      ANTHROPIC,
      OPENROUTER,
      GOOGLE,
      GITHUB,
      ORG,
      PROJ,
      AWS_KEY_ID,
    );
    // Surrounding text of words, digits and punctuation; separators keep the key a separate token.
    const text = fc.string({
      unit: fc.constantFrom(...'abc XYZ 019.,:;()[]{}"\'/-_=\n'.split('')),
      maxLength: 1500,
    });
    fc.assert(
      fc.property(text, keys, text, (before, key, after) => {
        const out = redact(`${before} ${key} ${after}`);
        expect(out).not.toContain(key);
        expect(out.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH + 1);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(typeof redact(value)).toBe('string');
      }),
    );
  });
});

describe('control characters between a label and its secret', () => {
  // A control character is not whitespace to the patterns, so "Bearer\u0085<token>" slipped past
  // them and then became "Bearer <token>" when control characters were replaced. One redact() call
  // must now catch it: the message classify() redacts is not redacted again for the log record.
  const TOKEN = 'abcd1234efgh5678';
  const UUID = '0f1e2d3c-4b5a-4697-8877-665544332211';
  it.each([
    ['Bearer\u0085', TOKEN, 'Invalid credentials: Bearer\u0085abcd1234efgh5678'],
    ['token\u0000=', 's3cr3tvalue99', 'token\u0000=s3cr3tvalue99 rejected'],
    ['organization\u0001(', UUID, `for your organization\u0001(${UUID}) limit`],
    ['key\u001b:', 'k3yv4lue9999', 'bad key\u001b: k3yv4lue9999'],
  ])('redacts the secret after %j in one call', (_label, secret, text) => {
    const once = redact(text);
    expect(once).not.toContain(secret);
    expect(once).toContain('[REDACTED]');
    expect(redact(once)).toBe(once);
  });

  it('redacts a key that only shows once the uuid before it is gone', () => {
    const text = `organization 0f1e2d3c-4b5a-4697-8877-665544332211${OPENAI_LEGACY}`;
    expect(redact(text)).toBe('organization [REDACTED][REDACTED]');
  });

  it('is idempotent on generated text with control characters anywhere', () => {
    const piece = fc.constantFrom(
      'Bearer',
      'token',
      'key',
      'organization',
      'project',
      '=',
      ':',
      '(',
      ' ',
      '\u0000',
      '\u0085',
      '\n',
      '\u001b',
      TOKEN,
      UUID,
      'sk-',
      OPENAI_LEGACY,
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (parts) => {
        const once = redact(parts.join(''));
        expect(redact(once)).toBe(once);
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('redaction passes stay bounded', () => {
  it('survives a user pattern that matches the empty string, on a long text', () => {
    // Each pass would otherwise insert the replacement between every character of the last pass's
    // output: 4000 characters × 11⁴ is a V8 fatal error, not an exception.
    const out = redact('x'.repeat(50_000), { patterns: [/(?:)/g] });
    expect(out.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH + 1);
  });

  it('survives a replacement that a built-in pattern matches again', () => {
    const out = redact(`key=${'a1'.repeat(10)}`, { replacement: 'key=b2b2b2b2b2' });
    expect(out.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH + 1);
    expect(out).not.toContain('a1a1');
  });
});
