/** The server's settings: defaults, then REELGRAPH_* variables, then options passed to startServer. */
import { packagePath } from './package-root.js';

export interface ServerConfig {
  host: string;
  port: number;
  /** Origins allowed by CORS (REELGRAPH_CORS_ORIGINS, comma-separated). Default: none. */
  corsOrigins: string[];
  /** GET /metrics without a token (REELGRAPH_METRICS_PUBLIC=1). */
  metricsPublic: boolean;
  /** Base URL shown in webhook URLs (REELGRAPH_PUBLIC_URL); default: the URL a request came in on. */
  publicUrl?: string;
  /** JSON body limit under /api. */
  bodyLimit: string;
  /** Body limit of a webhook delivery. */
  webhookBodyLimit: string;
  /** Requests per window and client: /api, and the stricter /webhooks. */
  rateLimit: { windowMs: number; api: number; webhooks: number };
  /** Where run outputs go: `<runsDir>/<runId>/`. Default `<dataDir>/runs`. */
  runsDir?: string;
  /** The built editor; served when it exists. */
  editorDir: string;
  /** Accepted clock skew of a webhook timestamp, and how long a delivery is remembered against replays. */
  webhookToleranceMs: number;
  /** Completion callbacks: per-attempt timeout, retries after the first attempt, first backoff (doubling). */
  callback: { timeoutMs: number; retries: number; backoffMs: number; allowPrivate: boolean };
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ServerConfig> = {}): ServerConfig {
  const base: ServerConfig = {
    host: env.REELGRAPH_HOST || '127.0.0.1',
    port: positiveInt(env.REELGRAPH_PORT, 4170, 'REELGRAPH_PORT'),
    corsOrigins: (env.REELGRAPH_CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    metricsPublic: env.REELGRAPH_METRICS_PUBLIC === '1' || env.REELGRAPH_METRICS_PUBLIC === 'true',
    ...(env.REELGRAPH_PUBLIC_URL ? { publicUrl: env.REELGRAPH_PUBLIC_URL.replace(/\/+$/, '') } : {}),
    bodyLimit: env.REELGRAPH_BODY_LIMIT || '2mb',
    webhookBodyLimit: '1mb',
    rateLimit: {
      windowMs: 60_000,
      api: positiveInt(env.REELGRAPH_RATE_LIMIT, 600, 'REELGRAPH_RATE_LIMIT'),
      webhooks: positiveInt(env.REELGRAPH_WEBHOOK_RATE_LIMIT, 60, 'REELGRAPH_WEBHOOK_RATE_LIMIT'),
    },
    editorDir: packagePath('dist', 'editor'),
    webhookToleranceMs: 5 * 60_000,
    callback: { timeoutMs: 10_000, retries: 3, backoffMs: 1000, allowPrivate: env.REELGRAPH_CALLBACK_ALLOW_PRIVATE === '1' || env.REELGRAPH_CALLBACK_ALLOW_PRIVATE === 'true' },
  };
  return { ...base, ...overrides };
}
