// On Node: the answers the other runtimes must reproduce, written to .tmp/expected.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import app, { fixtureIds } from './app.mjs';
import { answer } from './check.mjs';

export async function nodeAnswers() {
  const expected = {};
  for (const id of fixtureIds) {
    const path = `/fixture/${id}`;
    expected[path] = await answer(await app.fetch(new Request(`http://app.test${path}`)));
  }
  return expected;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  mkdirSync(new URL('../.tmp/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('../.tmp/expected.json', import.meta.url),
    JSON.stringify(await nodeAnswers()),
  );
}
