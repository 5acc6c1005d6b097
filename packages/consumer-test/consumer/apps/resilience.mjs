// A plain node:http server calling the upstream through @four29/resilience's withRetry and paced fetch, loaded with import.
import { createServer } from 'node:http';
import { createUpstreamErrorHandler } from '@four29/core';
import { createPacedFetch, withRetry } from '@four29/resilience';
import OpenAI from 'openai';

const openai = new OpenAI({
  baseURL: process.env.UPSTREAM_URL,
  maxRetries: 0,
  fetch: createPacedFetch(),
});
const handle = createUpstreamErrorHandler();

const server = createServer(async (req, res) => {
  try {
    // The upstream asks for 20 s; withRetry does not hold a request past maxDelayMs and rethrows.
    const completion = await withRetry(
      () =>
        openai.chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'hello' }],
        }),
      { maxDelayMs: 5_000 },
    );
    res.end(JSON.stringify(completion.choices[0]?.message));
  } catch (error) {
    const answer = handle(error, { method: req.method, path: req.url });
    if (answer === null) {
      res.statusCode = 500;
      res.end();
      return;
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }
});
server.listen(0, '127.0.0.1', () => console.log(`LISTENING ${server.address().port}`));
