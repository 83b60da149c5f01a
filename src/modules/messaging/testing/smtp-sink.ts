// A real local SMTP server (smtp-server, a devDependency: tests only) that keeps every accepted mail with its
// envelope and parsed headers, and can reject commands with scripted SMTP codes.
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** Header names lower-cased, folded lines joined. */
  headers: Record<string, string>;
  body: string;
}

export interface SmtpSink {
  host: string;
  port: number;
  mails: ReceivedMail[];
  /** Number of DATA commands seen (accepted or rejected). */
  attempts: number;
  close(): Promise<void>;
}

/** Splits a raw message into unfolded headers and body. */
export function parseMail(raw: string): { headers: Record<string, string>; body: string } {
  const i = raw.indexOf('\r\n\r\n');
  const head = i >= 0 ? raw.slice(0, i) : raw;
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const c = line.indexOf(':');
    if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
  }
  return { headers, body: i >= 0 ? raw.slice(i + 4) : '' };
}

/**
 * Starts an SMTP server on 127.0.0.1 without TLS or auth (unless `auth` is given). `reject(n)` may return an SMTP
 * code and message to refuse the n-th mail's DATA (e.g. 451 then accept, to test retries).
 */
export async function startSmtpSink(opts: { reject?: (n: number) => { code: number; message: string } | undefined; auth?: { user: string; pass: string } } = {}): Promise<SmtpSink> {
  const sink = { host: '127.0.0.1', mails: [] as ReceivedMail[], attempts: 0 } as SmtpSink;
  const server = new SMTPServer({
    secure: false,
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) return cb(null, { user: auth.username });
      const err = Object.assign(new Error('Invalid username or password'), { responseCode: 535 });
      return cb(err);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const n = ++sink.attempts;
        const rejection = opts.reject?.(n);
        if (rejection) return cb(Object.assign(new Error(rejection.message), { responseCode: rejection.code }));
        const raw = Buffer.concat(chunks).toString('utf8');
        const { headers, body } = parseMail(raw);
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        sink.mails.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw, headers, body });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  sink.port = (server.server.address() as AddressInfo).port;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
