import { describe, expect, it } from 'vitest';
import { plan } from '../src/plan.js';
import { frameworkNames, loadFramework } from '../src/servers/registry.js';

describe('frameworks', () => {
  it('are the files in servers/frameworks, each a server with a label', async () => {
    const names = frameworkNames();
    expect(names).toEqual(expect.arrayContaining(['express', 'fastify', 'hono', 'koa', 'nest']));
    for (const name of names) {
      const app = await loadFramework(name);
      expect(app.label.length, name).toBeGreaterThan(0);
      expect(['bare', 'hand']).toContain(app.happyBaseline);
    }
  });

  it('refuses a name that is not one', async () => {
    await expect(loadFramework('../shared')).rejects.toThrow(/unknown framework/);
  });
});

describe('plan', () => {
  it('gives every target row an A/A pair among its comparison’s servers', async () => {
    const apps = await Promise.all(
      frameworkNames().map(async (n) => [n, await loadFramework(n)] as const),
    );
    for (const c of plan(apps)) {
      const ids = new Set(c.slots.map((s) => s.id));
      expect(ids.size, c.framework).toBe(c.slots.length);
      for (const row of c.rows) {
        for (const id of [row.num, row.den, row.aa?.num, row.aa?.den]) {
          if (id !== undefined) expect(ids.has(id), `${c.framework} ${row.name}: ${id}`).toBe(true);
        }
        if (row.target !== undefined) expect(row.aa, row.name).toBeDefined();
      }
    }
  });
});
