// Type-checked as .mts and .cts under node16 and as .ts under bundler (see README).
import { type Four29Options, upstreamErrorHandler } from '@four29/express';
import express, { type ErrorRequestHandler } from 'express';
import OpenAI from 'openai';

const openai = new OpenAI({ apiKey: 'sk-test', maxRetries: 0 });
const options: Four29Options = { policy: 'passthrough', logger: false };
const handler: ErrorRequestHandler = upstreamErrorHandler(options);

// @ts-expect-error -- proves the options are typed and not `any`: 'sometimes' is no policy.
upstreamErrorHandler({ policy: 'sometimes' });

export const app = express();
app.post('/chat', express.json(), async (_req, res) => {
  const completion = await openai.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'hello' }],
  });
  res.json(completion.choices[0]?.message);
});
app.use(handler);
app.use(upstreamErrorHandler());
