export { createTrackServer, type DashboardHandler, type ServerOptions, type TrackServer } from './server.js';
export { classify, ipPrefix, isAppleProxy, type Verdict } from './classify.js';
export { HttpError, readForm, type FormLimits } from './form.js';
