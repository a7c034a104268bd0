export { loadLists, type Lists } from './load.js';
export { resolveRecipients } from './resolve.js';
export type { Agency, Recipient } from './schema.js';
