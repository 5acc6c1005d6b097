// Type-checked as .mts and .cts under node16 and as .ts under bundler (see README).
import { createServer } from 'node:http';
import {
  type Classification,
  createUpstreamErrorHandler,
  type Four29Options,
  type HandledUpstreamError,
  UpstreamHttpError,
} from '@four29/core';

const options: Four29Options = {
  policy: { rate_limited: 429 },
  logger: false,
  shouldHandle: (c: Classification) => c.kind !== 'upstream_auth',
};
const handle = createUpstreamErrorHandler(options);

// @ts-expect-error -- proves the options are typed and not `any`: 'sometimes' is no policy.
createUpstreamErrorHandler({ policy: 'sometimes' });

export const server = createServer(async (req, res) => {
  const upstream = await fetch('https://api.github.com/rate_limit');
  const error = await UpstreamHttpError.fromResponse(upstream, { provider: 'generic' });
  const answer: HandledUpstreamError | null = handle(error, {
    ...(req.method !== undefined ? { method: req.method } : {}),
  });
  if (answer === null) {
    res.end();
    return;
  }
  const status: number = answer.status;
  res.writeHead(status, answer.headers);
  res.end(answer.body);
});
