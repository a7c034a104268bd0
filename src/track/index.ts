export { createSiteServer, type ServerOptions } from './server.js';
