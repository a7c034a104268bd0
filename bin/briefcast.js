#!/usr/bin/env node
// The compiled CLI (lib/, built at install by `npm run build`); `npm run dev -- …` runs the sources with tsx.
try {
  await import('../lib/cli/index.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('/lib/cli/index.js')) {
    console.error('briefcast: not built yet; run npm install (or npm run build) in the briefcast folder');
    process.exit(2);
  }
  throw error;
}
