import { launch } from '@four29/example-support';
import { createApp } from './app.js';

await launch({ name: 'express', defaultPort: 3001, createApp });
