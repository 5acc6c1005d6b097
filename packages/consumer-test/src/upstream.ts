import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixtureById } from '@four29/fixtures';

/** The upstream every consumer app calls: a recorded OpenAI 429 (requests per minute). */
export const UPSTREAM_FIXTURE = fixtureById('openai.rate_limit.requests');

export interface FakeUpstream {
  readonly url: string;
  /** How many requests reached the upstream: proves the app's 503 came from a real upstream call. */
  readonly hits: () => number;
  readonly close: () => Promise<void>;
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits += 1;
    req.resume();
    const recorded = UPSTREAM_FIXTURE.respond(Date.now());
    res.writeHead(recorded.status, recorded.headers);
    res.end(typeof recorded.body === 'string' ? recorded.body : JSON.stringify(recorded.body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    hits: () => hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
