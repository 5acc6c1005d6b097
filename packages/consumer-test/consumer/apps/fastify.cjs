// A Fastify app, loaded with require().
const Fastify = require('fastify');
const { OpenAI } = require('openai');
const { four29 } = require('@four29/fastify');

const openai = new OpenAI({ baseURL: process.env.UPSTREAM_URL, maxRetries: 0 });
const app = Fastify();
app.register(four29);
app.post('/chat', async () => {
  const completion = await openai.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'hello' }],
  });
  return completion.choices[0]?.message;
});
app.listen({ port: 0, host: '127.0.0.1' }).then((address) => {
  console.log(`LISTENING ${new URL(address).port}`);
});
