import { REDIS_INSTALL_HINT, startRedisServer } from '@four29/test-kit/redis-server';
import { afterEach, describe, expect, it } from 'vitest';

describe('the redis-server test harness', () => {
  const saved = process.env.REDIS_SERVER_BIN;
  afterEach(() => {
    if (saved === undefined) delete process.env.REDIS_SERVER_BIN;
    else process.env.REDIS_SERVER_BIN = saved;
  });

  it('names the install command when redis-server is missing', async () => {
    process.env.REDIS_SERVER_BIN = '/nonexistent/redis-server';
    await expect(startRedisServer()).rejects.toThrow(REDIS_INSTALL_HINT);
    expect(REDIS_INSTALL_HINT).toContain('apt-get update && apt-get install -y redis-server');
  });
});
