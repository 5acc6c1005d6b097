// A Hono app on @hono/node-server, loaded with import.
import { upstreamErrorHandler } from '@four29/hono';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import OpenAI from 'openai';

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
