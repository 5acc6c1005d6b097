// Compares what a runtime answered for every fixture with what Node answered for the same app.
// `fetchApp` is app.fetch in-process (Bun, Deno) or a real HTTP fetch (workerd); `expected` maps
// each path to Node's { status, headers, body }.

// Transport headers an HTTP server adds on its own; the app's headers are compared exactly.
const TRANSPORT = new Set([
  'content-length',
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
]);

export async function answer(res) {
  const headers = {};
  for (const [k, v] of res.headers) if (!TRANSPORT.has(k)) headers[k] = v;
  return { status: res.status, headers, body: await res.text() };
}

export async function check(fetchApp, expected, runtime) {
  const failures = [];
  const paths = Object.keys(expected);
  for (const path of paths) {
    const want = JSON.stringify(expected[path]);
    const got = JSON.stringify(await answer(await fetchApp(path)));
    if (got !== want) failures.push(`${path}\n    node:    ${want}\n    ${runtime}: ${got}`);
  }
  // Pin the premise too: the answers are four29's, not a framework's fallback.
  const rl = expected['/fixture/openai.rate_limit.tokens'];
  if (
    rl === undefined ||
    rl.status !== 503 ||
    rl.headers['retry-after'] !== '2' ||
    JSON.parse(rl.body).kind !== 'rate_limited'
  ) {
    failures.push(`Node's own answer is not four29's: ${JSON.stringify(rl)}`);
  }
  if (failures.length > 0) {
    console.error(`${runtime}: FAIL\n  ${failures.join('\n  ')}`);
    return false;
  }
  console.log(
    `${runtime}: ok (${paths.length} recorded upstream errors, the same bytes as on Node)`,
  );
  return true;
}
