import type { Server } from 'node:net';
import { Controller, type DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientProxyFactory,
  MessagePattern,
  type MicroserviceOptions,
  Transport,
} from '@nestjs/microservices';
import type { NestMicroservice } from '@nestjs/microservices/nest-microservice';
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Four29Module } from '../src/index.js';
import { recordingLogger, testOptions, upstreamError } from './support.js';

@Controller()
class RpcController {
  @MessagePattern('ask')
  ask(): never {
    throw upstreamError('openai-tokens');
  }
}

/** What a real TCP client gets back from a real microservice whose handler throws an upstream error. */
async function rpcAnswer(imports: DynamicModule[]): Promise<unknown> {
  @Module({ imports, controllers: [RpcController] })
  class RpcModule {}
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(RpcModule, {
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port: 0 },
    logger: false,
  });
  await app.listen();
  const server = (app as NestMicroservice).unwrap<Server>();
  const { port } = server.address() as { port: number };
  const client = ClientProxyFactory.create({
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port },
  });
  try {
    return await lastValueFrom(client.send('ask', {})).catch((error: unknown) => error);
  } finally {
    await client.close();
    await app.close();
  }
}

describe('in a microservice (rpc context)', () => {
  it("leaves upstream errors to Nest's rpc handling, exactly as without four29", async () => {
    const logger = recordingLogger();
    const mine = await rpcAnswer([Four29Module.forRoot(testOptions({ logger }))]);
    const plain = await rpcAnswer([]);
    expect(mine).toEqual(plain);
    // Nest's BaseRpcExceptionFilter answer: no upstream message reaches the caller either way.
    expect(plain).toEqual({ status: 'error', message: 'Internal server error' });
    expect(logger.records).toEqual([]);
  });
});
