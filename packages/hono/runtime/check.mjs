// Asserts what a client of the runtime check's app must see. `fetchApp` is
// app.fetch in-process (Bun, Deno) or a real HTTP fetch (workerd).
export async function check(fetchApp, runtime) {
  const failures = [];
  const expect = (ok, what) => {
    if (!ok) failures.push(what);
  };
  const rl = await fetchApp('/rate-limited');
  const rlBody = await rl.text();
  expect(rl.status === 503, `rate-limited status ${rl.status}`);
  expect(
    rl.headers.get('content-type')?.startsWith('application/problem+json'),
    'rate-limited content-type',
  );
  expect(rl.headers.get('retry-after') === '2', `retry-after ${rl.headers.get('retry-after')}`);
  expect(JSON.parse(rlBody).kind === 'rate_limited', `rate-limited kind in ${rlBody}`);
  const q = await fetchApp('/quota');
  const qBody = await q.text();
  expect(q.status === 503, `quota status ${q.status}`);
  expect(JSON.parse(qBody).kind === 'quota_exhausted', `quota kind in ${qBody}`);
  expect(q.headers.get('retry-after') === null, 'quota must not invite a retry');
  for (const body of [rlBody, qBody]) {
    expect(
      !/org-|proj_|Rate limit reached|exceeded your current quota/.test(body),
      `upstream text leaked: ${body}`,
    );
  }
  if (failures.length > 0) {
    console.error(`${runtime}: FAIL\n  ${failures.join('\n  ')}`);
    return false;
  }
  console.log(
    `${runtime}: ok (503 rate_limited with Retry-After: 2, 503 quota_exhausted, nothing leaked)`,
  );
  return true;
}
