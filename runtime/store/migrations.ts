/**
 * Schema migrations: an append-only list. Each migration runs in its own
 * transaction and is recorded in `schema_migrations`, so opening a database
 * applies exactly the migrations it has not seen. Never edit a released
 * migration; add a new one.
 *
 * Conventions: timestamps are INTEGER epoch milliseconds, JSON values are TEXT.
 */
import type { Connection } from './connection.js';
import { MigrationError } from './errors.js';

export interface Migration {
  /** Strictly increasing. */
  readonly id: number;
  readonly name: string;
  readonly sql: string;
}

const initialSchema = `
  CREATE TABLE graphs (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    latest_version INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
  );

  CREATE TABLE graph_versions (
    graph_id   TEXT NOT NULL REFERENCES graphs (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    name       TEXT NOT NULL,
    doc        TEXT NOT NULL,
    message    TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (graph_id, version)
  ) WITHOUT ROWID;

  -- No foreign key to graphs: runs of graph files have no stored version, and
  -- each run keeps its own snapshot of the resolved graph it executed.
  CREATE TABLE runs (
    id            TEXT PRIMARY KEY,
    graph_id      TEXT,
    graph_version INTEGER,
    graph_name    TEXT NOT NULL,
    graph         TEXT NOT NULL,
    status        TEXT NOT NULL,
    priority      TEXT NOT NULL,
    inputs        TEXT NOT NULL,
    outputs       TEXT,
    error         TEXT,
    out_dir       TEXT,
    created_at    INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER,
    duration_ms   INTEGER,
    log_count     INTEGER NOT NULL DEFAULT 0
  );
  -- Listing is newest first with rowid as the tie-break; every index on a
  -- rowid table ends with the rowid, so these serve the ORDER BY directly.
  CREATE INDEX runs_by_created ON runs (created_at);
  CREATE INDEX runs_by_graph ON runs (graph_id, created_at);
  CREATE INDEX runs_by_status ON runs (status, created_at);

  -- A rowid table so that nodes can be listed in the order they first reported.
  CREATE TABLE node_runs (
    run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id     TEXT NOT NULL,
    node_type   TEXT NOT NULL,
    status      TEXT NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER,
    duration_ms INTEGER,
    items       TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    cached      INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    progress    REAL,
    PRIMARY KEY (run_id, node_id)
  );

  CREATE TABLE item_runs (
    run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id     TEXT NOT NULL,
    item_index  INTEGER NOT NULL,
    item_key    TEXT NOT NULL,
    status      TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    cached      INTEGER NOT NULL DEFAULT 0,
    provider    TEXT,
    started_at  INTEGER,
    finished_at INTEGER,
    duration_ms INTEGER,
    error       TEXT,
    PRIMARY KEY (run_id, node_id, item_index)
  ) WITHOUT ROWID;

  CREATE TABLE run_logs (
    id         INTEGER PRIMARY KEY,
    run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    level      TEXT NOT NULL,
    node_id    TEXT,
    item_index INTEGER,
    message    TEXT NOT NULL,
    data       TEXT
  );
  CREATE INDEX run_logs_by_run ON run_logs (run_id, id);

  CREATE TABLE artifacts (
    hash        TEXT PRIMARY KEY,
    mime        TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    name        TEXT,
    duration    REAL,
    width       INTEGER,
    height      INTEGER,
    frame_rate  REAL,
    sample_rate INTEGER,
    channels    INTEGER,
    created_at  INTEGER NOT NULL
  ) WITHOUT ROWID;
`;

/** Where a run was started from; the server resumes only the runs it owns (a CLI run belongs to its process). */
const runTrigger = `
  ALTER TABLE runs ADD COLUMN trigger TEXT NOT NULL DEFAULT 'cli';
`;

/**
 * The server's tables. Secrets (credential values, webhook secrets) are
 * stored only as AES-256-GCM ciphertext (runtime/credentials/vault.ts); API
 * tokens only as SHA-256 hashes.
 */
const serverAuth = `
  CREATE TABLE credentials (
    name        TEXT PRIMARY KEY,
    field_names TEXT NOT NULL,
    sealed      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
  ) WITHOUT ROWID;
`;

/** Signed webhooks per graph, and the deliveries seen recently (replay protection). */
const serverWebhooks = `
  CREATE TABLE webhooks (
    graph_id     TEXT PRIMARY KEY REFERENCES graphs (id) ON DELETE CASCADE,
    slug         TEXT NOT NULL UNIQUE,
    sealed       TEXT NOT NULL,
    callback_url TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE webhook_deliveries (
    signature   TEXT PRIMARY KEY,
    slug        TEXT NOT NULL,
    received_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries (received_at);
`;

/**
 * Billable provider usage per run, summed per node, provider, unit and model
 * (`''` when the provider reported none) as usage events arrive; cost
 * estimates are computed from it when a run is read, with the current prices.
 */
const runUsage = `
  CREATE TABLE run_usage (
    run_id   TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id  TEXT NOT NULL,
    provider TEXT NOT NULL,
    unit     TEXT NOT NULL,
    model    TEXT NOT NULL DEFAULT '',
    quantity REAL NOT NULL,
    reports  INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (run_id, node_id, provider, unit, model)
  ) WITHOUT ROWID;
`;

/** Output values per node and item, so a run's inspector can show what each step produced (media as handles). */
const nodeOutputs = `
  ALTER TABLE node_runs ADD COLUMN outputs TEXT;
  ALTER TABLE item_runs ADD COLUMN outputs TEXT;
`;

/** A run started without the cache must stay without it when a restarted server resumes it. */
const runNoCache = `
  ALTER TABLE runs ADD COLUMN no_cache INTEGER NOT NULL DEFAULT 0;
`;

/**
 * Per graph, the run inputs a producer last typed for it (the episode text),
 * so they survive save, reopen and reload. One draft per graph; it goes with
 * the graph.
 */
const graphInputs = `
  CREATE TABLE graph_inputs (
    graph_id   TEXT PRIMARY KEY REFERENCES graphs (id) ON DELETE CASCADE,
    inputs     TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
`;

/**
 * What a graph's latest version extends (a series variant's template), kept
 * beside its name: the graph list names it without parsing every document.
 */
const graphExtends = `
  ALTER TABLE graphs ADD COLUMN extends TEXT;
  UPDATE graphs SET extends = (
    SELECT json_extract(v.doc, '$.extends') FROM graph_versions v WHERE v.graph_id = graphs.id AND v.version = graphs.latest_version
  );
`;

/** A partial run (`until` / `only` a node) must stay partial when a restarted server resumes it, and its record says so. */
const runScope = `
  ALTER TABLE runs ADD COLUMN until_node TEXT;
  ALTER TABLE runs ADD COLUMN only_node TEXT;
`;

/** A run's budget (`budgetUsd`) must still hold when a restarted server resumes it. */
const runBudget = `
  ALTER TABLE runs ADD COLUMN budget_usd REAL;
`;

/**
 * Review gates (`control.review`): one row per gate a run reached, pending
 * until a person (or the gate's timeout) decides. Kept here, not in memory,
 * so a run waiting at a gate survives a restart with its deadline, and a
 * decision made while no process ran the run (the CLI) is honoured on resume.
 */
const runReviews = `
  CREATE TABLE run_reviews (
    run_id         TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id        TEXT NOT NULL,
    status         TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    deadline_at    INTEGER,
    on_timeout     TEXT NOT NULL,
    rejected_items TEXT NOT NULL,
    items          TEXT NOT NULL,
    decided_at     INTEGER,
    decided_by     TEXT,
    approved       TEXT,
    rejected       TEXT,
    note           TEXT,
    PRIMARY KEY (run_id, node_id)
  ) WITHOUT ROWID;
  CREATE INDEX run_reviews_pending ON run_reviews (status, deadline_at);
`;

/**
 * Review rounds: a gate whose rejected or edited items are made again asks
 * again, so its record counts rounds, names the items made again for this
 * one, and keeps the producer's rewrites (applied again when a restarted run
 * reaches the gate).
 */
const reviewRounds = `
  ALTER TABLE run_reviews ADD COLUMN round INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE run_reviews ADD COLUMN regenerated TEXT;
  ALTER TABLE run_reviews ADD COLUMN edits TEXT;
`;

/**
 * Series and episodes (runtime/contract/series.ts): a series is a stored
 * graph with settings and an ordered list of episodes; an episode's script
 * is versioned like a graph; `episode_runs` says which runs rendered which
 * script version (an episode's status is read from its latest run).
 */
const seriesAndEpisodes = `
  CREATE TABLE series (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    graph_id   TEXT NOT NULL,
    settings   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE episodes (
    id             TEXT PRIMARY KEY,
    series_id      TEXT NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    number         INTEGER NOT NULL,
    title          TEXT NOT NULL,
    format         TEXT NOT NULL,
    latest_version INTEGER NOT NULL,
    file_name      TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (series_id, number)
  );
  CREATE TABLE episode_versions (
    episode_id TEXT NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    text       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (episode_id, version)
  ) WITHOUT ROWID;
  CREATE TABLE episode_runs (
    episode_id     TEXT NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    run_id         TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    script_version INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (episode_id, run_id)
  ) WITHOUT ROWID;
  CREATE INDEX episode_runs_latest ON episode_runs (episode_id, created_at);
`;

/**
 * Completion callbacks owed: a webhook-started run owes its webhook's
 * callback URL a POST when it ends. Kept here, not in a promise, so a run
 * resumed by a restarted server still calls back, and a callback that was
 * under way when the server died is sent again (at least once).
 */
const runCallbacks = `
  -- No foreign key: the debt is recorded before the run, so even a run that ends at once owes it.
  CREATE TABLE run_callbacks (
    run_id     TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
`;

/**
 * Item pins (runtime/contract/item-pins.ts): per graph, node and item index,
 * whether the item is locked (with the locked result) and its take. Only
 * pins that change something are kept. No foreign key to graphs: a graph
 * file run by the CLI pins under its id without being stored. Run records
 * say which items took a locked result and which take each item was.
 */
const itemPins = `
  CREATE TABLE item_pins (
    graph_id        TEXT NOT NULL,
    node_id         TEXT NOT NULL,
    item_index      INTEGER NOT NULL,
    locked          INTEGER NOT NULL DEFAULT 0,
    take            INTEGER NOT NULL DEFAULT 0,
    item_key        TEXT,
    anchor          TEXT,
    item_count      INTEGER,
    locked_from_run TEXT,
    locked_take     INTEGER,
    provider        TEXT,
    outputs         TEXT,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (graph_id, node_id, item_index)
  ) WITHOUT ROWID;

  ALTER TABLE item_runs ADD COLUMN take INTEGER;
  ALTER TABLE item_runs ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;
`;

/**
 * An episode's publications: which run published which render of it, with
 * which publish node. The outcome is the publish run's own status, so an
 * episode is `published` only while its latest render has a publish run
 * that is done (read, never stored).
 */
const episodePublications = `
  CREATE TABLE episode_publications (
    episode_id     TEXT NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    render_run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    publish_run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_type      TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (episode_id, publish_run_id)
  ) WITHOUT ROWID;
  CREATE INDEX episode_publications_render ON episode_publications (render_run_id);
`;

export const migrations: readonly Migration[] = [
  { id: 1, name: 'initial schema', sql: initialSchema },
  { id: 2, name: 'run trigger', sql: runTrigger },
  { id: 3, name: 'run usage', sql: runUsage },
  { id: 4, name: 'node and item outputs', sql: nodeOutputs },
  { id: 5, name: 'run noCache', sql: runNoCache },
  { id: 10, name: 'server credentials and api tokens', sql: serverAuth },
  { id: 11, name: 'server webhooks', sql: serverWebhooks },
  { id: 12, name: 'graph run inputs drafts', sql: graphInputs },
  { id: 13, name: 'what a graph extends', sql: graphExtends },
  { id: 14, name: 'partial run scope', sql: runScope },
  { id: 15, name: 'run budget', sql: runBudget },
  { id: 16, name: 'item pins', sql: itemPins },
  { id: 17, name: 'run review gates', sql: runReviews },
  { id: 18, name: 'review rounds', sql: reviewRounds },
  { id: 19, name: 'series and episodes', sql: seriesAndEpisodes },
  { id: 20, name: 'run callbacks', sql: runCallbacks },
  { id: 21, name: 'episode publications', sql: episodePublications },
];

const ledgerSql = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )
`;

/** Applies the migrations the database lacks, in order; returns the ids it applied. */
export async function migrate(connection: Connection, list: readonly Migration[] = migrations): Promise<number[]> {
  assertOrdered(list);
  await connection.exclusive((db) => db.exec(ledgerSql));
  await assertNotNewer(connection, list);
  const applied: number[] = [];
  for (const migration of list) {
    if (await applyOnce(connection, migration)) applied.push(migration.id);
  }
  return applied;
}

/** Applies the migration unless it is recorded already; true when it ran. */
async function applyOnce(connection: Connection, migration: Migration): Promise<boolean> {
  try {
    return await connection.transaction(async (db) => {
      // Checked inside the write transaction: another process opening the
      // same database at the same time cannot apply it in between.
      const seen = await db.get('SELECT 1 FROM schema_migrations WHERE id = ?', [migration.id]);
      if (seen) return false;
      await db.exec(migration.sql);
      await db.run('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)', [migration.id, migration.name, Date.now()]);
      return true;
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`migration ${migration.id} (${migration.name}) failed: ${reason}`, { migrationId: migration.id, cause: error });
  }
}

function assertOrdered(list: readonly Migration[]): void {
  list.forEach((migration, position) => {
    const previous = list[position - 1];
    if (previous && migration.id <= previous.id) {
      throw new MigrationError(`migration ids must increase: ${migration.id} follows ${previous.id}`, { migrationId: migration.id });
    }
  });
}

/** Refuses a database migrated by a newer reelgraph: this code would misread its schema. */
async function assertNotNewer(connection: Connection, list: readonly Migration[]): Promise<void> {
  const rows = await connection.exclusive((db) => db.all<{ id: number }>('SELECT id FROM schema_migrations ORDER BY id'));
  const known = new Set(list.map((migration) => migration.id));
  const unknown = rows.map((row) => row.id).filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new MigrationError(`the database has migrations this version of reelgraph does not know (${unknown.join(', ')}); upgrade reelgraph`, {
      migrationId: unknown[0],
    });
  }
}
