export {
  SEND_SMS_JOB,
  SMS_STATUSES,
  SmsGatewayError,
  type ParsedSmsCallback,
  type SendMessagePayload,
  type SendSmsPayload,
  type SmsGateway,
  type SmsGatewayCallOptions,
  type SmsGatewayCapabilities,
  type SmsMessage,
  type SmsReply,
  type SmsStatus,
  type SmsStatusReport,
} from './sms-gateway.js'
export { EmailSenderError, SEND_EMAIL_JOB, type EmailMessage, type EmailSender } from './email-sender.js'
export { MESSAGE_MACHINE, MESSAGE_STATUSES, type MessageStatus } from './message-machine.js'
export {
  COMMON_TEMPLATE_VARIABLES,
  DEFAULT_NOTIFY_ROUTES,
  DEFAULT_REASON_TEXTS,
  DEFAULT_TEMPLATES,
  MESSAGE_CHANNELS,
  NOTIFY_TRIGGERS,

  renderTemplate,
  type MessageChannel,
  type NotifyRoute,
  type NotifyTemplates,
  type NotifyTrigger,
  type TemplateText,
} from './notify-templates.js'
export { DEFAULT_TRACKING_URLS, SYNC_STATUSES_JOB } from './notify-module.js'
export type {
  CampaignAudience,
  CampaignInput,
  CampaignRecipient,
  CampaignResult,
  ConsentState,
  Message,
  NotifyApi,
  NotifyCallbackResult,
  NotifyConfig,
  NotifyRecipient,
  SendMessageInput,
} from './notify-types.js'
export type {} from './notify-events.js'
