export { parseIncoming, statusBlocks, type Incoming, type StatusReport } from './parse.js';
export { bounceKind, recordIncoming, type BounceSettings, type Outcome } from './record.js';
export { emlFiles, imapMailbox, isMaildir, maildir, type BounceSource, type ImapSettings, type Waiting } from './sources.js';
export { readBounces, type ReadResult } from './read.js';
