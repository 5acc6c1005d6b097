// A Hono app on @hono/node-server, loaded with require().
const { serve } = require('@hono/node-server');
const { Hono } = require('hono');
const { OpenAI } = require('openai');
const { upstreamErrorHandler } = require('@four29/hono');

const openai = new OpenAI({ baseURL: process.env.UPSTREAM_URL, maxRetries: 0 });
const app = new Hono();
app.onError(upstreamErrorHandler());
app.post('/chat', async (c) => {
  const { prompt } = await c.req.json();
  const completion = await openai.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: prompt }],
  });
  return c.json(completion.choices[0]?.message ?? null);
});
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
  console.log(`LISTENING ${info.port}`),
);
