// A plain node:http server using @four29/core directly, loaded with require().
const { createServer } = require('node:http');
const { OpenAI } = require('openai');
const { createUpstreamErrorHandler } = require('@four29/core');

const openai = new OpenAI({ baseURL: process.env.UPSTREAM_URL, maxRetries: 0 });
const handle = createUpstreamErrorHandler();

const server = createServer(async (req, res) => {
  try {
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hello' }],
    });
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
