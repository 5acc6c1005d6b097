export { goDuration, rfc3339 } from './duration.js';
export { DEFAULT_BUCKET } from './ratelimit.js';
export { REPLY } from './request.js';
export { SCENARIO_IDS, SCENARIOS } from './scenarios.js';
export { STREAM_ERROR_AFTER, startMockUpstream } from './server.js';
export type {
  BucketOptions,
  MockProvider,
  MockUpstream,
  MockUpstreamOptions,
  RecordedRequest,
  ScenarioId,
  UpstreamFixture,
} from './types.js';
