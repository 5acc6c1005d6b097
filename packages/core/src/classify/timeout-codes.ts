/**
 * Every code that means "it timed out", whichever layer sent it: the network stack and HTTP clients
 * (Node, undici, axios) when no answer came, and upstream APIs that answered with a timeout
 * (Anthropic `timeout_error`, Google `DEADLINE_EXCEEDED`, Bedrock `ModelTimeoutException`).
 * One set, so a code learnt for one path is known to the other.
 */
export const TIMEOUT_CODES: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNABORTED',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'timeout_error',
  'DEADLINE_EXCEEDED',
  'ModelTimeoutException',
]);
