export { configSchema, isWebAddress, MIN_DASHBOARD_PASSWORD, type Config } from './schema.js';
export { loadConfig } from './load.js';
export { findReviewKind, loadMessages, phrase, type Audience, type Messages, type ReviewKind } from './messages.js';
