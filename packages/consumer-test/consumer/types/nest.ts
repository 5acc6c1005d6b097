// Type-checked as .mts and .cts under node16 and as .ts under bundler (see README).
import 'reflect-metadata';
import { Four29Module, type Four29Options, UpstreamErrorFilter } from '@four29/nest';
import { Controller, Module, Post, UseFilters } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';

@Controller()
class ChatController {
  @Post('chat')
  @UseFilters(UpstreamErrorFilter)
  chat(): string {
    return 'ok';
  }
}

@Module({
  imports: [Four29Module.forRoot({ policy: 'passthrough', logger: false })],
  controllers: [ChatController],
})
class AppModule {}

@Module({
  imports: [
    Four29Module.forRootAsync({
      useFactory: async (): Promise<Four29Options> => ({ logger: false }),
    }),
  ],
})
export class AsyncAppModule {}

// @ts-expect-error -- proves the options are typed and not `any`: 'sometimes' is no policy.
Four29Module.forRoot({ policy: 'sometimes' });

export async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.useGlobalFilters(
    new UpstreamErrorFilter(app.get(HttpAdapterHost), { policy: 'passthrough' }),
  );
  // @ts-expect-error -- the filter cannot answer without the platform's adapter.
  new UpstreamErrorFilter();
  await app.listen(3000);
}
