// A Fastify app, loaded with import.
import { four29 } from '@four29/fastify';
import Fastify from 'fastify';
import OpenAI from 'openai';

const openai = new OpenAI({ baseURL: process.env.UPSTREAM_URL, maxRetries: 0 });
const app = Fastify();
await app.register(four29);
app.post('/chat', async () => {
  const completion = await openai.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'hello' }],
  });
  return completion.choices[0]?.message;
});
const address = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`LISTENING ${new URL(address).port}`);
