export { createPreviewServer, type PreviewServer, type ProofSender } from './server.js';
