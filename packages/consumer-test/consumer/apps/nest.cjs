// A Nest 11 app on the Express platform, loaded with require().
require('reflect-metadata');
const { Controller, Module, Post } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { OpenAI } = require('openai');
const { Four29Module } = require('@four29/nest');

const openai = new OpenAI({ baseURL: process.env.UPSTREAM_URL, maxRetries: 0 });

class ChatController {
  async chat() {
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hello' }],
    });
    return completion.choices[0]?.message;
  }
}
class AppModule {}

// Plain JavaScript has no decorator syntax on Node 20: apply them as TypeScript's output does.
const chat = Object.getOwnPropertyDescriptor(ChatController.prototype, 'chat');
Reflect.decorate([Post('chat')], ChatController.prototype, 'chat', chat);
Reflect.decorate([Controller()], ChatController);
Reflect.decorate(
  [Module({ imports: [Four29Module.forRoot()], controllers: [ChatController] })],
  AppModule,
);

async function main() {
  const app = await NestFactory.create(AppModule, { logger: ['warn', 'error'] });
  await app.listen(0, '127.0.0.1');
  console.log(`LISTENING ${app.getHttpServer().address().port}`);
}
main();
