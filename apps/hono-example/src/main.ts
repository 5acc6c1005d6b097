import { launch } from '@four29/example-support';
import { createApp } from './app.js';

await launch({ name: 'hono', defaultPort: 3003, createApp });
