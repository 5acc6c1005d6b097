import { launch } from '@four29/example-support';
import { createApp } from './app.js';

await launch({ name: 'nest', defaultPort: 3004, createApp });
