/**
 * One socket.io connection to the server (token in the handshake), following
 * one run at a time: `subscribe(runId)` answers with the run's stored state
 * (`snapshot`), then the run's engine events arrive as `event`. After a
 * reconnect the run is subscribed again and its snapshot re-applied, so
 * events missed while offline are covered by the fresh state.
 */
import { io, type Socket } from 'socket.io-client';
import type { ReelgraphEvent } from '../../../runtime/contract/events.js';
import type { RunDetail } from '../../../runtime/contract/records.js';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'error';

export interface RunSocketHandlers {
  snapshot(detail: RunDetail): void;
  event(event: ReelgraphEvent): void;
  connection(state: ConnectionState, message?: string): void;
  /** subscribe() was refused (unknown run, …). */
  refused?(runId: string, message: string): void;
}

interface SubscribeReply {
  ok: boolean;
  run?: RunDetail;
  error?: { code: string; message: string };
}

export class RunSocket {
  private readonly socket: Socket;
  private runId: string | undefined;

  constructor(
    token: string | undefined,
    private readonly handlers: RunSocketHandlers,
    /** '' = the page's origin (the server serves the editor, or vite proxies /socket.io). */
    url = '',
  ) {
    // WebSocket first, long-polling only where a WebSocket cannot connect (a proxy that blocks it). Starting on
    // polling and upgrading leaves a window in which a dropped connection strands the client: engine.io-client pauses
    // polling for the upgrade and, when the probe fails then, never resumes it, so the editor went ~45 s (the
    // heartbeat timeout) without noticing the drop or reconnecting.
    const options = { auth: { token: token ?? '' }, reconnectionDelayMax: 5000, transports: ['websocket', 'polling'], tryAllTransports: true };
    this.socket = url ? io(url, options) : io(options);
    handlers.connection('connecting');
    this.socket.on('connect', () => {
      handlers.connection('connected');
      // First connect and every reconnect: (re)subscribe and take the fresh snapshot.
      if (this.runId) void this.send(this.runId);
    });
    this.socket.on('disconnect', (reason) => handlers.connection('disconnected', reason));
    this.socket.on('connect_error', (error: Error & { data?: { message?: string } }) => handlers.connection('error', error.data?.message ?? error.message));
    this.socket.on('snapshot', (detail: RunDetail) => {
      if (detail?.id === this.runId) handlers.snapshot(detail);
    });
    this.socket.on('event', (event: ReelgraphEvent) => {
      if (event?.runId === this.runId) handlers.event(event);
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** The socket.io client socket (diagnostics and tests). */
  get raw(): Socket {
    return this.socket;
  }

  /** Follows `runId` (undefined: none), leaving the previous run's room. */
  follow(runId: string | undefined): void {
    if (runId === this.runId) return;
    const previous = this.runId;
    this.runId = runId;
    if (!this.socket.connected) return;
    if (previous) this.socket.emit('unsubscribe', previous);
    if (runId) void this.send(runId);
  }

  /** Asks again for the current run's snapshot. */
  refresh(): void {
    if (this.runId && this.socket.connected) void this.send(this.runId);
  }

  private async send(runId: string): Promise<void> {
    try {
      const reply = (await this.socket.timeout(10_000).emitWithAck('subscribe', runId)) as SubscribeReply;
      if (!reply.ok && runId === this.runId) this.handlers.refused?.(runId, reply.error?.message ?? 'subscribe refused');
    } catch {
      // No ack in time: the next reconnect subscribes again; the REST fallback covers the meantime.
    }
  }

  close(): void {
    this.runId = undefined;
    this.socket.removeAllListeners();
    this.socket.disconnect();
  }
}
