export { createComposer, type Composer, type Addressee } from './compose.js';
export { runCampaign, backoff, type Outcome, type Progress, type RetryPolicy } from './loop.js';
export { planCampaign, planReminder, parseAfter, isLate, type Plan, type ReminderPlan, type SendRequest } from './plan.js';
export { dkimRecord, type DkimRecord } from './dkim.js';
export { dryRunTransport, outboxTransport, smtpTransport, SendFailure, type Transport, type OutgoingMessage } from './transport.js';
