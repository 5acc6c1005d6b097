// A plain node:http server whose paced fetch and quota breaker share their state through
// @four29/redis on a real Redis (node-redis), loaded with require.
const { createServer } = require('node:http');
const { createUpstreamErrorHandler } = require('@four29/core');
const { createRedisStore } = require('@four29/redis');
const { createPacedFetch, createQuotaBreaker } = require('@four29/resilience');
const { default: OpenAI } = require('openai');
const { createClient } = require('redis');

async function main() {
  const redis = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
  redis.on('error', () => {});
  await redis.connect();
  const store = createRedisStore({ client: redis, prefix: 'consumer-cjs:' });
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
}

main();
