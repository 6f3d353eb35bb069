import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/**
 * An SMTP server on loopback that keeps every message it accepts, for tests of code that sends mail.
 * Plaintext only (no STARTTLS offered), with AUTH PLAIN/LOGIN when a user is given. Tests break it
 * with down()/up() (connection refused) and failNext() (a temporary 4xx at the end of DATA).
 */
export interface SmtpSink {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Set when the sink requires AUTH. */
  readonly user: string | undefined;
  readonly pass: string | undefined;
  /** Accepted messages, in arrival order; survives down()/up(). */
  readonly messages: Received[];
  /**
   * The first message (already received or still to come) matching `pred`. Two calls with the same
   * predicate get the same message, so a test waiting for a second mail should say how it differs.
   */
  waitForMessage(pred?: (m: Received) => boolean, timeoutMs?: number): Promise<Received>;
  /** Rejects the next `n` messages after their DATA with `code` (a temporary failure by default). */
  failNext(n: number, code?: number): void;
  /** Holds the answer to the next message's DATA for `ms` (a slow server): it is kept, the client waits. */
  slowNext(ms: number): void;
  /** Messages being held by slowNext now. */
  readonly holding: number;
  /** Wall-clock ms (sub-ms precision) of each connection's start, oldest first: when a send began. */
  readonly connections: number[];
  /** Stops listening (connections are refused) and drops open connections with 421. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export interface Received {
  envelope: { from: string; to: string[] };
  raw: string;
  parsed: ParsedMail;
}

export interface SmtpSinkOptions {
  /** Defaults to a port the kernel picks; up() after down() reuses whichever port was used. */
  port?: number;
  /** With user and pass the sink requires AUTH; without, AUTH is optional. */
  user?: string;
  pass?: string;
}

const HOST = '127.0.0.1';

export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  if ((opts.user === undefined) !== (opts.pass === undefined)) throw new Error('startSmtpSink: give both user and pass, or neither');
  const sink = new Sink(opts);
  await sink.up();
  return sink;
}

interface Waiter {
  pred: (m: Received) => boolean;
  resolve: (m: Received) => void;
  reject: (err: Error) => void;
}

class Sink implements SmtpSink {
  readonly host = HOST;
  readonly messages: Received[] = [];
  readonly user: string | undefined;
  readonly pass: string | undefined;
  #port: number;
  #server: SMTPServer | null = null;
  #waiters = new Set<Waiter>();
  #failures: { left: number; code: number } = { left: 0, code: 451 };
  #slow = 0;
  #holding = 0;
  readonly connections: number[] = [];

  constructor(opts: SmtpSinkOptions) {
    this.#port = opts.port ?? 0;
    this.user = opts.user;
    this.pass = opts.pass;
  }

  get port(): number {
    return this.#port;
  }

  failNext(n: number, code = 451): void {
    this.#failures = { left: n, code };
  }

  slowNext(ms: number): void {
    this.#slow = ms;
  }

  get holding(): number {
    return this.#holding;
  }

  waitForMessage(pred: (m: Received) => boolean = () => true, timeoutMs = 15_000): Promise<Received> {
    const found = this.messages.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
      };
      const waiter: Waiter = {
        pred,
        resolve: (m) => (settle(), resolve(m)),
        reject: (err) => (settle(), reject(err)),
      };
      const timer = setTimeout(() => {
        const where = `SMTP sink ${HOST}:${this.#port}`;
        waiter.reject(new Error(`no matching message on ${where} within ${timeoutMs} ms; received ${this.#describe()}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  async up(): Promise<void> {
    if (this.#server) return;
    const auth = this.user !== undefined;
    const server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      // Without this smtp-server refuses AUTH on a plaintext connection.
      allowInsecureAuth: true,
      authOptional: !auth,
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      // Only a backstop: down() closes connections itself, the default would hold close() for 30 s.
      closeTimeout: 1_000,
      onAuth: (a, _session, callback) => {
        // Without configured credentials AUTH is optional, and a client that logs in anyway is let in.
        if (!auth || (a.username === this.user && a.password === this.pass)) return callback(null, { user: a.username });
        // smtp-server answers 535 for an error without a responseCode.
        callback(new Error('Invalid username or password'));
      },
      onData: (stream, session, callback) => void this.#receive(stream, session, callback),
    });
    // Client resets and the like arrive here; without a listener they would crash the test worker.
    server.on('error', () => {});
    // At the TCP level: smtp-server's onConnect comes only after its reverse DNS lookup of the client.
    server.server.on('connection', () => this.connections.push(performance.timeOrigin + performance.now()));
    await new Promise<void>((resolve, reject) => {
      const net = server.listen(this.#port, HOST, () => {
        net.off('error', reject);
        resolve();
      });
      net.once('error', reject);
    });
    this.#port = (server.server.address() as { port: number }).port;
    this.#server = server;
  }

  async down(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // A real server going away drops its clients too; waiting for them would let a test's
      // "server is down" period start only when the client gives up.
      for (const conn of server.connections) {
        conn.send(421, 'Server shutting down');
        conn.close();
      }
    });
  }

  close(): Promise<void> {
    // Rejecting now says what happened; a timer left running would reject later, blaming no one.
    for (const w of this.#waiters) {
      w.reject(new Error(`SMTP sink ${HOST}:${this.#port} closed while waiting for a message; received ${this.#describe()}`));
    }
    return this.down();
  }

  async #receive(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string) => void,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    } catch (err) {
      return callback(err as Error);
    }
    if (this.#failures.left > 0) {
      this.#failures.left--;
      const { code } = this.#failures;
      return callback(smtpError(code, code < 500 ? 'Temporary failure (SMTP sink failNext)' : 'Rejected (SMTP sink failNext)'));
    }
    if (this.#slow > 0) {
      const ms = this.#slow;
      this.#slow = 0;
      this.#holding++;
      await new Promise((r) => setTimeout(r, ms));
      this.#holding--;
    }
    const bytes = Buffer.concat(chunks);
    let parsed: ParsedMail;
    try {
      // The bytes, not a string: mailparser applies the message's own charsets.
      parsed = await simpleParser(bytes);
    } catch (err) {
      return callback(smtpError(554, `SMTP sink could not parse the message: ${(err as Error).message}`));
    }
    const { mailFrom, rcptTo } = session.envelope;
    const msg: Received = {
      envelope: { from: mailFrom ? mailFrom.address : '', to: rcptTo.map((r) => r.address) },
      raw: bytes.toString('utf8'),
      parsed,
    };
    this.messages.push(msg);
    for (const w of this.#waiters) if (w.pred(msg)) w.resolve(msg);
    callback(null, `queued as sink-${this.messages.length}`);
  }

  #describe(): string {
    if (this.messages.length === 0) return 'nothing';
    const list = this.messages.map((m, i) => {
      const to = m.envelope.to.map((t) => `<${t}>`).join(', ');
      return `  #${i + 1} from <${m.envelope.from}> to ${to} subject ${JSON.stringify(m.parsed.subject ?? '')}`;
    });
    return `${this.messages.length} message(s):\n${list.join('\n')}`;
  }
}

/** smtp-server replies with an error's responseCode and message. */
function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}
