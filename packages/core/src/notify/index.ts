export {
  SEND_SMS_JOB,
  SMS_STATUSES,
  SmsGatewayError,
  type ParsedSmsCallback,
  type SendSmsPayload,
  type SmsGateway,
  type SmsGatewayCapabilities,
  type SmsMessage,
  type SmsStatus,
  type SmsStatusReport,
} from './sms-gateway.js'
