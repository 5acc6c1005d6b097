// The README quick start, loaded with import.
import { upstreamErrorHandler } from '@four29/express';
import express from 'express';
import OpenAI from 'openai';

const openai = new OpenAI({ baseURL: process.env.UPSTREAM_URL, maxRetries: 0 });
const app = express();
app.post('/chat', express.json(), async (req, res) => {
  const completion = await openai.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: req.body.prompt }],
  });
  res.json(completion.choices[0]?.message);
});
app.use(upstreamErrorHandler());
const server = app.listen(0, '127.0.0.1', () => console.log(`LISTENING ${server.address().port}`));
