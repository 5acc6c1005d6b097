import { launch } from '@four29/example-support';
import { createApp } from './app.js';

await launch({ name: 'fastify', defaultPort: 3005, createApp });
