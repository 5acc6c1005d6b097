// A Koa app, loaded with import.
import { upstreamErrorHandler } from '@four29/koa';
import Koa from 'koa';
import OpenAI from 'openai';

const openai = new OpenAI({ baseURL: process.env.UPSTREAM_URL, maxRetries: 0 });
const app = new Koa();
app.use(upstreamErrorHandler());
app.use(async (ctx) => {
  if (ctx.method !== 'POST' || ctx.path !== '/chat') return;
  const completion = await openai.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'hello' }],
  });
  ctx.body = completion.choices[0]?.message;
});
const server = app.listen(0, '127.0.0.1', () => console.log(`LISTENING ${server.address().port}`));
