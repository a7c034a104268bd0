export { createComposer, senderOf, type Composer, type Addressee, type Sender } from './compose.js';
export { runCampaign, backoff, type Outcome, type Progress, type RetryPolicy } from './loop.js';
export { planCampaign, planReminder, plannedContent, plannedContents, parseAfter, isLate, type Plan, type ReminderPlan, type SendRequest, type Source } from './plan.js';
export { prepareSend, sendProof, nextStep, type SendIntent, type Prepared, type Planned } from './campaign.js';
export { runSend, senderId, type RunSend } from './run.js';
export { classify, outboxTransport, parseSmtpUrl, smtpTransport, SendFailure, type FailureKind, type Transport, type OutgoingMessage } from './transport.js';
export { dkimRecord, type DkimRecord } from './dkim.js';
export { runSendOnThread, transportOf, SEND_THREAD_LIMITS, type TransportSpec } from './thread.js';
