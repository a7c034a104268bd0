// The slot format is shared with the sender, which must not load the renderer: it lives in src/slots.ts.
export * from '../slots.js';
