/**
 * A local upstream that replays every fixture of @four29/fixtures with secrets seeded into it
 * (src/secrets.ts), and the calls a service makes to it, each rejecting with exactly what its
 * client throws: fetch + UpstreamHttpError.fromResponse, axios, and the real openai and
 * @anthropic-ai/sdk clients.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import { UpstreamHttpError } from '@four29/core';
import { fixtureById, type UpstreamFixture } from '@four29/fixtures';
import axios from 'axios';
import OpenAI from 'openai';
import { closeServer, listen } from './net.js';
import { SECRETS, seededResponse } from './secrets.js';

export type CallForm = 'fetch' | 'axios' | 'openai-sdk' | 'anthropic-sdk';

export interface SeededUpstream {
  readonly url: string;
  /** Request headers (and `:path`) the upstream received: proof the clients really sent their keys. */
  readonly received: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** Answers `/fixture/<id>/…` with the fixture's seeded response, whatever the method and rest of the path. */
export async function startSeededUpstream(now: number): Promise<SeededUpstream> {
  const received: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    const id = decodeURIComponent(/^\/fixture\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '');
    let fixture: UpstreamFixture;
    try {
      fixture = fixtureById(id);
    } catch {
      res.writeHead(404).end();
      return;
    }
    received.push({ ...req.headers, ':path': req.url });
    const r = seededResponse(fixture, now);
    const body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    res.writeHead(r.status, r.headers);
    res.end(body);
  }).listen(0, '127.0.0.1');
  const url = await listen(server);
  return { url, received, close: () => closeServer(server) };
}

/** The client calls that make sense for a fixture: every fixture over fetch and axios, SDKs for their providers. */
export function formsFor(fixture: UpstreamFixture): CallForm[] {
  const forms: CallForm[] = ['fetch', 'axios'];
  if (
    ['openai', 'azure-openai', 'openrouter'].includes(fixture.provider) ||
    fixture.id.startsWith('groq.')
  ) {
    forms.push('openai-sdk');
  }
  if (fixture.provider === 'anthropic') forms.push('anthropic-sdk');
  return forms;
}

const MESSAGES = [{ role: 'user' as const, content: 'Say hello.' }];

/**
 * Calls the seeded upstream for `fixture` the way a service does, with real credentials in the
 * request (headers, query string, SDK options), and rejects with what the client throws.
 */
export async function callUpstream(upstream: string, form: CallForm, id: string): Promise<never> {
  const base = `${upstream}/fixture/${encodeURIComponent(id)}`;
  switch (form) {
    case 'fetch': {
      // Gemini-style key in the query string, and the URL in the thrown error's message, as
      // hand-written fetch wrappers often do.
      const url = `${base}/v1beta/models/gemini:generateContent?key=${SECRETS.googleApiKey}`;
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${SECRETS.openaiProjectKey}`,
          'api-key': SECRETS.azureApiKey,
          'content-type': 'application/json',
        },
        body: '{}',
      });
      throw await UpstreamHttpError.fromResponse(res, {
        message: `POST ${url} answered ${res.status}`,
      });
    }
    case 'axios': {
      // An AxiosError keeps the request config (headers with the key) and the raw request.
      await axios.post(
        `${base}/v1/chat/completions?key=${SECRETS.googleApiKey}`,
        { model: 'gpt-4o-mini', messages: MESSAGES },
        {
          headers: {
            Authorization: `Bearer ${SECRETS.openaiServiceAccountKey}`,
            'x-api-key': SECRETS.anthropicKey,
          },
        },
      );
      throw new Error('axios resolved for an error fixture');
    }
    case 'openai-sdk': {
      const client = new OpenAI({
        apiKey: SECRETS.openaiProjectKey,
        organization: SECRETS.openaiOrgId,
        project: SECRETS.openaiProjectId,
        baseURL: `${base}/v1`,
        maxRetries: 0,
        timeout: 30_000,
      });
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
      throw new Error('openai resolved for an error fixture');
    }
    default: {
      const client = new Anthropic({
        apiKey: SECRETS.anthropicKey,
        baseURL: base,
        maxRetries: 0,
        timeout: 30_000,
      });
      await client.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 64,
        messages: MESSAGES,
      });
      throw new Error('anthropic resolved for an error fixture');
    }
  }
}
