// A plain node:http server whose handler counts each answered upstream error through @four29/otel
// on the real OpenTelemetry metrics SDK, loaded with import. It prints the counter after answering.
import { createServer } from 'node:http';
import { createUpstreamErrorHandler } from '@four29/core';
import { four29Otel } from '@four29/otel';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import OpenAI from 'openai';

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 2_147_483_647 });
const meter = new MeterProvider({ readers: [reader] }).getMeter('consumer');
const otel = four29Otel({ meter });
const openai = new OpenAI({ baseURL: process.env.UPSTREAM_URL, maxRetries: 0 });
const handle = createUpstreamErrorHandler({ onHandled: otel.onHandled });

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
    await reader.forceFlush();
    for (const scope of exporter.getMetrics().at(-1)?.scopeMetrics ?? [])
      for (const metric of scope.metrics)
        for (const point of metric.dataPoints)
          console.log(
            `OTEL ${metric.descriptor.name} ${JSON.stringify(point.attributes)} ${point.value}`,
          );
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }
});
server.listen(0, '127.0.0.1', () => console.log(`LISTENING ${server.address().port}`));
