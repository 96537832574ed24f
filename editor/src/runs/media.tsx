/**
 * Artifacts in the page: `<video>`, `<audio>` and `<img>` cannot send the API
 * token, so they play signed, short-lived links (`GET
 * /api/artifacts/:hash/link` → `/media/:hash?exp&sig`), asked for once per
 * artifact and again shortly before they expire. Audio gets a waveform
 * (wavesurfer.js); JSON values (scripts, timelines) a collapsible tree.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import WaveSurfer from 'wavesurfer.js';
import { collectArtifactHandles, isArtifactHandle, type ArtifactHandle } from '../../../runtime/contract/artifacts.js';
import type { ApiClient } from '../api/client.js';
import { useApi } from '../api/context.js';

interface Link {
  url: string;
  expiresAt: number;
}

const links = new Map<string, Promise<Link>>();
const MARGIN_S = 120;

/** A cached signed link, renewed when it is close to expiring. */
export async function mediaLink(api: ApiClient, hash: string): Promise<Link> {
  const known = links.get(hash);
  if (known) {
    const link = await known.catch(() => undefined);
    if (link && link.expiresAt - MARGIN_S > Date.now() / 1000) return link;
  }
  const fresh = api.artifactLink(hash);
  links.set(hash, fresh);
  fresh.catch(() => links.delete(hash));
  return fresh;
}

/**
 * The signed URL of an artifact (undefined while asking), with the error if
 * the server refused. `renew()` drops the link and asks again: a media
 * element calls it on a load error (a link from before a server restart
 * answers 403), at most once per minute.
 */
export function useMediaLink(hash: string | undefined): { url?: string; error?: string; renew(): void } {
  const api = useApi();
  const [state, setState] = useState<{ hash?: string; url?: string; error?: string }>({});
  const [nonce, setNonce] = useState(0);
  const lastRenew = useRef(0);
  const renew = useCallback(() => {
    if (!hash || Date.now() - lastRenew.current < 60_000) return;
    lastRenew.current = Date.now();
    links.delete(hash);
    setNonce((n) => n + 1);
  }, [hash]);
  useEffect(() => {
    if (!hash) return;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = (): void => {
      mediaLink(api, hash).then(
        (link) => {
          if (!alive) return;
          setState({ hash, url: link.url });
          // Renew before expiry so a long playback or a later seek keeps working.
          const ms = Math.max(30_000, (link.expiresAt - MARGIN_S) * 1000 - Date.now());
          timer = setTimeout(load, Math.min(ms, 2 ** 31 - 1));
        },
        (error: unknown) => alive && setState({ hash, error: error instanceof Error ? error.message : String(error) }),
      );
    };
    load();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
    };
  }, [api, hash, nonce]);
  return state.hash === hash ? { ...(state.url ? { url: state.url } : {}), ...(state.error ? { error: state.error } : {}), renew } : { renew };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

const describe = (handle: ArtifactHandle): string =>
  [
    handle.mime,
    formatBytes(handle.bytes),
    handle.duration !== undefined ? `${handle.duration.toFixed(2)} s` : undefined,
    handle.width && handle.height ? `${handle.width}×${handle.height}` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');

export function DownloadLink({ handle, label }: { handle: ArtifactHandle; label?: string }) {
  const { url, error } = useMediaLink(handle.hash);
  const name = handle.name ?? `${handle.hash.slice(0, 12)}`;
  if (error) return <span className="rg-run-error-text">{name}: {error}</span>;
  return (
    <a className="rg-run-download" href={url} download={name} aria-disabled={!url} data-testid={`download-${handle.hash.slice(0, 12)}`}>
      ⬇ {label ?? name} <span className="rg-run-muted">({describe(handle)})</span>
    </a>
  );
}

export function VideoPlayer({ handle, testId }: { handle: ArtifactHandle; testId?: string }) {
  const { url, error, renew } = useMediaLink(handle.hash);
  if (error) return <div className="rg-run-error-text">video: {error}</div>;
  return (
    <video
      className="rg-run-video"
      controls
      preload="metadata"
      src={url}
      onError={renew}
      data-testid={testId}
      {...(handle.width && handle.height ? { style: { aspectRatio: `${handle.width} / ${handle.height}` } } : {})}
    />
  );
}

export function ImageView({ handle }: { handle: ArtifactHandle }) {
  const { url, error, renew } = useMediaLink(handle.hash);
  if (error) return <div className="rg-run-error-text">image: {error}</div>;
  return url ? <img className="rg-run-image" src={url} alt={handle.name ?? 'image'} onError={renew} /> : <div className="rg-run-muted">loading…</div>;
}

/** Audio with its waveform and a play button. */
export function Waveform({ handle }: { handle: ArtifactHandle }) {
  const { url, error, renew } = useMediaLink(handle.hash);
  const container = useRef<HTMLDivElement>(null);
  const surfer = useRef<WaveSurfer | null>(null);
  const [playing, setPlaying] = useState(false);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    if (!url || !container.current) return;
    // An own <audio> whose src is already the link: wavesurfer then plays the link itself
    // (Range requests) instead of a blob: URL, which the server's CSP does not allow for media.
    const absolute = new URL(url, window.location.href).href;
    const media = new Audio();
    media.preload = 'auto';
    media.src = absolute;
    const ws = WaveSurfer.create({
      container: container.current,
      media,
      url: absolute,
      height: 56,
      waveColor: '#5b6477',
      progressColor: '#7c8cff',
      cursorColor: '#e4e7ec',
      barWidth: 2,
      barGap: 1,
      barRadius: 1,
      normalize: true,
    });
    surfer.current = ws;
    setReady(false);
    setFailure(undefined);
    const offs = [
      ws.on('ready', () => setReady(true)),
      ws.on('play', () => setPlaying(true)),
      ws.on('pause', () => setPlaying(false)),
      ws.on('finish', () => setPlaying(false)),
      ws.on('error', (e: Error) => {
        setFailure(e.message);
        renew();
      }),
    ];
    return () => {
      for (const off of offs) off();
      ws.destroy();
      media.pause();
      media.removeAttribute('src');
      surfer.current = null;
      setPlaying(false);
    };
  }, [url, renew]);

  if (error) return <div className="rg-run-error-text">audio: {error}</div>;
  return (
    <div className="rg-run-waveform" data-testid={`waveform-${handle.hash.slice(0, 12)}`} data-ready={ready ? 'true' : 'false'}>
      <button
        type="button"
        className="rg-button rg-button--small rg-run-play"
        disabled={!url}
        onClick={() => void surfer.current?.playPause()}
        aria-label={playing ? 'Pause' : 'Play'}
      >
        {playing ? '❚❚' : '▶'}
      </button>
      <div className="rg-run-waveform-canvas" ref={container} />
      {failure ? <div className="rg-run-error-text">{failure}</div> : null}
    </div>
  );
}

/** An artifact shown the way its media type suggests, with its details and a download link. */
export function ArtifactView({ handle, download = true }: { handle: ArtifactHandle; download?: boolean }) {
  const kind = handle.mime.split('/')[0];
  return (
    <div className="rg-run-artifact">
      {kind === 'video' ? <VideoPlayer handle={handle} /> : null}
      {kind === 'audio' ? <Waveform handle={handle} /> : null}
      {kind === 'image' ? <ImageView handle={handle} /> : null}
      {download || !['video', 'audio', 'image'].includes(kind ?? '') ? <DownloadLink handle={handle} /> : null}
    </div>
  );
}

// ---------------------------------------------------------------- JSON

const preview = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.length}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    return `{${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}}`;
  }
  return JSON.stringify(value) ?? String(value);
};

/** A collapsible tree of a JSON value; artifact handles inside it render as media. */
export function JsonTree({ value, name, depth = 0, open }: { value: unknown; name?: string; depth?: number; open?: boolean }) {
  if (isArtifactHandle(value)) {
    return (
      <div className="rg-json-row">
        {name !== undefined ? <span className="rg-json-key">{name}: </span> : null}
        <ArtifactView handle={value} />
      </div>
    );
  }
  if (value !== null && typeof value === 'object') return <JsonBranch value={value} name={name} depth={depth} open={open ?? depth < 1} />;
  return (
    <div className="rg-json-row">
      {name !== undefined ? <span className="rg-json-key">{name}: </span> : null}
      <span className={`rg-json-${value === null ? 'null' : typeof value}`}>{typeof value === 'string' ? JSON.stringify(value.length > 2000 ? `${value.slice(0, 2000)}…` : value) : String(value)}</span>
    </div>
  );
}

/** An object or array: its children mount only while it is open (media players inside stay unloaded when collapsed). */
function JsonBranch({ value, name, depth, open: initiallyOpen }: { value: object; name: string | undefined; depth: number; open: boolean }) {
  const [open, setOpen] = useState(initiallyOpen);
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return (
    <details className="rg-json" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        {name !== undefined ? <span className="rg-json-key">{name}: </span> : null}
        <span className="rg-run-muted">{preview(value)}</span>
      </summary>
      {open ? (
        <div className="rg-json-children">
          {entries.slice(0, 500).map(([key, child]) => (
            <JsonTree key={key} name={key} value={child} depth={depth + 1} />
          ))}
          {entries.length > 500 ? <div className="rg-run-muted">… {entries.length - 500} more</div> : null}
        </div>
      ) : null}
    </details>
  );
}

/** Every artifact in a value. */
export function artifactsIn(value: unknown): ArtifactHandle[] {
  const seen = new Map<string, ArtifactHandle>();
  for (const handle of collectArtifactHandles(value)) if (!seen.has(handle.hash)) seen.set(handle.hash, handle);
  return [...seen.values()];
}
