export type { AppOptions, Listenable, RunningApp } from './app.js';
export { type Env, type LaunchOptions, launch, optionsFromEnv } from './launch.js';
export { BAD_BODY, promptOf } from './request.js';
export { closeServer, listening } from './server.js';
export {
  ANTHROPIC_MODEL,
  createUpstream,
  demoScenario,
  OPENAI_MODEL,
  type Reply,
  type TokenStream,
  type Upstream,
} from './upstream.js';
