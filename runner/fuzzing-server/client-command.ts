/**
 * Running the client under test as a shell command (`--command "node my-client.js {url} {agent}"`):
 * placeholders are substituted, the command runs in its own process group so that everything it
 * starts can be killed at once, and the tail of its output is kept for the report.
 */
import { spawn } from 'node:child_process';
import type { FuzzingServer } from './server.js';

export interface CommandVars {
  url: string;
  agent: string;
  port: number;
  /** The CA certificate file the client is to trust (a run over TLS); {ca} stays as it is without one. */
  ca?: string;
}

export interface SpawnOptions {
  /** Overall limit; the process group is killed when it is reached. */
  timeoutMs: number;
  /** Bytes of stdout and of stderr kept (the last ones). Default 4096. */
  tailBytes?: number;
  /** Time between SIGTERM and SIGKILL. Default 2000 ms. */
  killGraceMs?: number;
  cwd?: string;
  /** Live output, e.g. to pass it through in verbose mode. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

export interface ClientExit {
  /** Exit code, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdoutTail: string;
  stderrTail: string;
  /** The overall limit was reached and the process was killed. */
  timedOut: boolean;
  /** kill() was called before the process ended by itself. */
  killed: boolean;
  /** The command could not be started. */
  error?: string;
}

export interface SpawnedClient {
  pid: number | undefined;
  command: string;
  done: Promise<ClientExit>;
  /** Ends the whole process group: SIGTERM, then SIGKILL after the grace period. */
  kill(): void;
}

const SAFE = /^[A-Za-z0-9_./:@%+=,-]*$/;

/** Quotes a value for a POSIX shell unless it is made of characters that need no quoting. */
export function shellQuote(value: string): string {
  return SAFE.test(value) && value.length > 0 ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Replaces {url}, {agent}, {port} and (given a CA) {ca}; values are shell-quoted when they need it. Other braces stay. */
export function expandCommand(template: string, vars: CommandVars): string {
  return template.replace(/\{(url|agent|port|ca)\}/g, (m, name: keyof CommandVars) => (vars[name] === undefined ? m : shellQuote(String(vars[name]))));
}

/** Keeps the last `max` bytes written to it. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= this.max) this.size -= this.chunks.shift()!.length;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all
      .subarray(Math.max(0, all.length - this.max))
      .toString('utf8')
      .replace(/^\uFFFD+/, '');
  }
}

/** Process groups still running, killed if this process exits first (an orphaned client would linger). */
const live = new Set<number>();
let exitHookInstalled = false;
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export function spawnClient(template: string, vars: CommandVars, o: SpawnOptions): SpawnedClient {
  const command = expandCommand(template, vars);
  const max = o.tailBytes ?? 4096;
  const stdout = new Tail(max);
  const stderr = new Tail(max);
  const child = spawn(command, {
    shell: true,
    detached: true,
    cwd: o.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WSCONFORM_URL: vars.url, WSCONFORM_AGENT: vars.agent, WSCONFORM_PORT: String(vars.port), ...(vars.ca !== undefined ? { WSCONFORM_CA: vars.ca } : {}) },
  });
  const pid = child.pid;
  if (pid !== undefined) {
    live.add(pid);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const p of live) killGroup(p, 'SIGKILL');
      });
    }
  }
  let timedOut = false;
  let killed = false;
  let exited = false;
  let hardKill: NodeJS.Timeout | null = null;
  const kill = (): void => {
    if (exited || pid === undefined || hardKill) return;
    killed = true;
    killGroup(pid, 'SIGTERM');
    hardKill = setTimeout(() => killGroup(pid, 'SIGKILL'), o.killGraceMs ?? 2000);
    hardKill.unref();
  };
  const limit = setTimeout(() => {
    timedOut = true;
    kill();
  }, o.timeoutMs);
  child.stdout.on('data', (d: Buffer) => {
    stdout.push(d);
    o.onOutput?.('stdout', d);
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr.push(d);
    o.onOutput?.('stderr', d);
  });
  const done = new Promise<ClientExit>((resolve) => {
    let spawnError: string | undefined;
    child.on('error', (e) => {
      spawnError = e.message;
    });
    // 'close' comes after the output streams end, so the tails are complete.
    child.on('close', (code, signal) => {
      exited = true;
      clearTimeout(limit);
      if (hardKill) clearTimeout(hardKill);
      if (pid !== undefined) {
        live.delete(pid);
        // The shell is gone; anything it left behind in its group goes too.
        killGroup(pid, 'SIGKILL');
      }
      const r: ClientExit = { code, signal, stdoutTail: stdout.text(), stderrTail: stderr.text(), timedOut, killed: killed && !timedOut };
      if (spawnError !== undefined) r.error = spawnError;
      resolve(r);
    });
  });
  return { pid, command, done, kill };
}

export interface ClientCommandOptions {
  agent: string;
  /** Overall limit for the command. */
  timeoutMs: number;
  /** How long the command may keep running after every agent sent /updateReports. Default 2000 ms. */
  graceMs?: number;
  /** Kill the command when no connection was opened for this long while none is open (0: never). */
  idleTimeoutMs?: number;
  log?: (line: string) => void;
  onOutput?: SpawnOptions['onOutput'];
  cwd?: string;
  /** The CA file for {ca} and WSCONFORM_CA. */
  ca?: string;
  /** The URL for {url}, when it is not the server's own (a tls.* case's host name). */
  url?: string;
}

export interface ClientCommandOutcome extends ClientExit {
  command: string;
  /** Why the command was ended, when it did not end by itself. */
  endedBecause: 'exited' | 'timeout' | 'idle' | 'run-complete';
}

/**
 * Spawns the client against a running fuzzing server and waits until it exits, the run is complete
 * (every agent sent /updateReports, or a stop was requested: the command gets `graceMs` to exit), it
 * stays idle too long, or the overall limit is reached.
 */
export async function runClientCommand(server: FuzzingServer, template: string, o: ClientCommandOptions): Promise<ClientCommandOutcome> {
  const spawnOpts: SpawnOptions = { timeoutMs: o.timeoutMs };
  if (o.onOutput) spawnOpts.onOutput = o.onOutput;
  if (o.cwd) spawnOpts.cwd = o.cwd;
  const client = spawnClient(template, { url: o.url ?? server.url, agent: o.agent, port: server.port, ...(o.ca !== undefined ? { ca: o.ca } : {}) }, spawnOpts);
  o.log?.(`started client command (pid ${client.pid ?? '?'}): ${client.command}`);
  let endedBecause: ClientCommandOutcome['endedBecause'] = 'exited';
  let exited = false;
  const timers: NodeJS.Timeout[] = [];
  void server.allAgentsDone().then(() => {
    if (exited) return;
    timers.push(
      setTimeout(() => {
        if (exited) return;
        endedBecause = 'run-complete';
        o.log?.(`client command still running ${o.graceMs ?? 2000} ms after the run completed: killed`);
        client.kill();
      }, o.graceMs ?? 2000),
    );
  });
  if (o.idleTimeoutMs && o.idleTimeoutMs > 0) {
    const idleMs = o.idleTimeoutMs;
    const startedAt = Date.now();
    const check = setInterval(
      () => {
        const a = server.activity();
        const since = Date.now() - Math.max(a.lastConnectionAt, startedAt);
        if (a.connections === 0 && since >= idleMs) {
          endedBecause = 'idle';
          o.log?.(`client command opened no connection for ${idleMs} ms: killed`);
          clearInterval(check);
          client.kill();
        }
      },
      Math.min(1000, idleMs),
    );
    timers.push(check);
  }
  const exit = await client.done;
  exited = true;
  for (const t of timers) clearTimeout(t);
  if (exit.timedOut) endedBecause = 'timeout';
  o.log?.(`client command ended: ${exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal ?? '?'}`}${endedBecause === 'exited' ? '' : ` (${endedBecause})`}`);
  return { ...exit, command: client.command, endedBecause };
}
