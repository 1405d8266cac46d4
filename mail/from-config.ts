/** The product's mailer as configured: SMTP when MAIL_SMTP_* is set, else the development mailbox. */
import type { Mailer } from './mailer';
import type { Config } from '../config';
import { SmtpMailer } from './smtp-mailer';

export function createMailer(config: Config): Mailer {
  const smtp = config.mail.smtp;
  return smtp
    ? new SmtpMailer({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        ...(smtp.user ? { user: smtp.user } : {}),
        ...(smtp.pass ? { pass: smtp.pass } : {}),
        from: config.mail.from,
      })
    : // No SMTP configured: the development mailbox that `npm start` runs on this port.
      new SmtpMailer({ host: '127.0.0.1', port: config.mail.devMailboxPort, secure: false, from: config.mail.from });
}
