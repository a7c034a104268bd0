#!/usr/bin/env node
// briefcast is written in TypeScript and run with tsx, so there is no compile step to forget.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
