/**
 * A local SMTP sink for the adapter's tests: a real SMTP server (smtp-server)
 * on loopback that requires a login, keeps every message it accepted with
 * its envelope, and answers some recipients with the replies real servers
 * give (550 unknown mailbox, 451 try later), or never answers DATA.
 */
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export interface SinkMessage {
  from: string
  to: string[]
  raw: string
  headers: Map<string, string>
}

export interface SmtpSink {
  port: number
  messages: SinkMessage[]
  logins: number
  close(): Promise<void>
}

export const USER = 'shop@example.ru'
export const PASS = 'smtp-secret'

function parseHeaders(raw: string): Map<string, string> {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? ''
  const headers = new Map<string, string>()
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':')
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim())
  }
  return headers
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const sink: SmtpSink = { port: 0, messages: [], logins: 0, close: async () => {} }
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASS) {
        sink.logins++
        return callback(null, { user: auth.username })
      }
      const error = Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 })
      callback(error)
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('nobody@')) return callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }))
      if (address.address.startsWith('busy@')) return callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }))
      callback()
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((a) => a.address)
        // A recipient that never gets an answer: the client must give up on its own.
        if (to.some((a) => a.startsWith('hang@'))) return
        const raw = Buffer.concat(chunks).toString('utf8')
        sink.messages.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to, raw, headers: parseHeaders(raw) })
        callback(null, 'Queued as 1')
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  sink.port = (server.server.address() as AddressInfo).port
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()))
  return sink
}

/** Decodes a quoted-printable or base64 text part of a single-part or multipart message. */
export function bodyText(raw: string, type = 'text/plain'): string {
  const parts = raw.split(/\r?\n--[^\r\n]+\r?\n/)
  for (const part of parts) {
    const headers = parseHeaders(part)
    const contentType = headers.get('content-type') ?? ''
    if (!contentType.startsWith(type)) continue
    const body = part.split(/\r?\n\r?\n/).slice(1).join('\n\n').replace(/\r?\n--[^\r\n]*--\s*$/, '')
    const encoding = headers.get('content-transfer-encoding')?.toLowerCase()
    if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    if (encoding === 'quoted-printable') {
      const bytes = body.replace(/=\r?\n/g, '').replace(/\r\n/g, '\n')
      const out: number[] = []
      for (let i = 0; i < bytes.length; i++) {
        if (bytes[i] === '=' && /^[0-9A-F]{2}$/i.test(bytes.slice(i + 1, i + 3))) {
          out.push(parseInt(bytes.slice(i + 1, i + 3), 16))
          i += 2
        } else out.push(...Buffer.from(bytes[i]!, 'utf8'))
      }
      return Buffer.from(out).toString('utf8').trimEnd()
    }
    return body.trimEnd()
  }
  throw new Error(`no ${type} part in the message`)
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?UTF-8?Q?...?=`). */
export function decodeWords(value: string): string {
  return value.replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
  )
}
