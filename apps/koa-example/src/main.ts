import { launch } from '@four29/example-support';
import { createApp } from './app.js';

await launch({ name: 'koa', defaultPort: 3002, createApp });
