// A plain node:http server whose paced fetch and quota breaker share their state through
// @four29/redis on a real Redis (ioredis), loaded with import.
import { createServer } from 'node:http';
import { createUpstreamErrorHandler } from '@four29/core';
import { createRedisStore } from '@four29/redis';
import { createPacedFetch, createQuotaBreaker } from '@four29/resilience';
import { Redis } from 'ioredis';
import OpenAI from 'openai';

const redis = new Redis(process.env.REDIS_URL, {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
});
redis.on('error', () => {});
await new Promise((resolve) => redis.once('ready', resolve));
const store = createRedisStore({ client: redis, prefix: 'consumer-mjs:' });
const openai = new OpenAI({
  baseURL: process.env.UPSTREAM_URL,
  maxRetries: 0,
  fetch: createPacedFetch({ store, requestsPerMinute: 600 }),
});
const breaker = createQuotaBreaker({ store });
const handle = createUpstreamErrorHandler();

const server = createServer(async (req, res) => {
  try {
    const completion = await breaker.run(
      () =>
        openai.chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'hello' }],
        }),
      { key: process.env.OPENAI_API_KEY, provider: 'openai' },
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
