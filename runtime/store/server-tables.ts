/**
 * Data access for the server's tables (migrations 10, 11 and 12): sealed
 * credentials, API token hashes, webhooks and recent webhook deliveries,
 * graphs' run inputs drafts, and runs adopted by a graph on its first save.
 * Shares the run store's connection, so it shares its lock and its file.
 * Values arrive here already sealed or hashed: nothing in this module sees
 * a secret in the clear.
 */
import type { Connection } from './connection.js';

export interface CredentialRecord {
  name: string;
  fieldNames: string[];
  /** AES-256-GCM envelope, see runtime/credentials/vault.ts. */
  sealed: string;
  createdAt: number;
  updatedAt: number;
}

export interface TokenRecord {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt?: number;
}

export interface WebhookRecord {
  graphId: string;
  slug: string;
  sealed: string;
  callbackUrl?: string;
  createdAt: number;
  updatedAt: number;
}

interface CredentialDbRow {
  name: string;
  field_names: string;
  sealed: string;
  created_at: number;
  updated_at: number;
}

interface TokenDbRow {
  id: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

interface WebhookDbRow {
  graph_id: string;
  slug: string;
  sealed: string;
  callback_url: string | null;
  created_at: number;
  updated_at: number;
}

const toCredential = (row: CredentialDbRow): CredentialRecord => ({
  name: row.name,
  fieldNames: JSON.parse(row.field_names) as string[],
  sealed: row.sealed,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toToken = (row: TokenDbRow): TokenRecord => ({
  id: row.id,
  name: row.name,
  createdAt: row.created_at,
  ...(row.last_used_at !== null ? { lastUsedAt: row.last_used_at } : {}),
});

const toWebhook = (row: WebhookDbRow): WebhookRecord => ({
  graphId: row.graph_id,
  slug: row.slug,
  sealed: row.sealed,
  ...(row.callback_url !== null ? { callbackUrl: row.callback_url } : {}),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export class ServerTables {
  constructor(
    private readonly connection: Connection,
    private readonly now: () => number = Date.now,
  ) {}

  // --- credentials ------------------------------------------------------------

  async putCredential(name: string, fieldNames: string[], sealed: string): Promise<CredentialRecord> {
    const now = this.now();
    const row = await this.connection.exclusive((db) =>
      db.get<CredentialDbRow>(
        `INSERT INTO credentials (name, field_names, sealed, created_at, updated_at) VALUES ($name, $fields, $sealed, $now, $now)
         ON CONFLICT (name) DO UPDATE SET field_names = excluded.field_names, sealed = excluded.sealed, updated_at = excluded.updated_at
         RETURNING name, field_names, sealed, created_at, updated_at`,
        { $name: name, $fields: JSON.stringify(fieldNames), $sealed: sealed, $now: now },
      ),
    );
    if (!row) throw new Error(`storing credential "${name}" returned no row`);
    return toCredential(row);
  }

  async getCredential(name: string): Promise<CredentialRecord | undefined> {
    const row = await this.connection.exclusive((db) =>
      db.get<CredentialDbRow>('SELECT name, field_names, sealed, created_at, updated_at FROM credentials WHERE name = ?', [name]),
    );
    return row && toCredential(row);
  }

  async listCredentials(): Promise<CredentialRecord[]> {
    const rows = await this.connection.exclusive((db) =>
      db.all<CredentialDbRow>('SELECT name, field_names, sealed, created_at, updated_at FROM credentials ORDER BY name'),
    );
    return rows.map(toCredential);
  }

  async deleteCredential(name: string): Promise<boolean> {
    const { changes } = await this.connection.exclusive((db) => db.run('DELETE FROM credentials WHERE name = ?', [name]));
    return changes > 0;
  }

  /** Any sealed value (credential or webhook secret), to check the key against at startup. */
  async anySealed(): Promise<{ sealed: string; aad: string } | undefined> {
    const credential = await this.connection.exclusive((db) => db.get<{ name: string; sealed: string }>('SELECT name, sealed FROM credentials LIMIT 1'));
    if (credential) return { sealed: credential.sealed, aad: credential.name };
    const webhook = await this.connection.exclusive((db) => db.get<{ graph_id: string; sealed: string }>('SELECT graph_id, sealed FROM webhooks LIMIT 1'));
    return webhook && { sealed: webhook.sealed, aad: webhookAad(webhook.graph_id) };
  }

  // --- API tokens ---------------------------------------------------------------

  async createToken(id: string, name: string, tokenHash: string): Promise<TokenRecord> {
    const now = this.now();
    await this.connection.exclusive((db) =>
      db.run('INSERT INTO api_tokens (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)', [id, name, tokenHash, now]),
    );
    return { id, name, createdAt: now };
  }

  async findToken(tokenHash: string): Promise<TokenRecord | undefined> {
    const row = await this.connection.exclusive((db) =>
      db.get<TokenDbRow>('SELECT id, name, created_at, last_used_at FROM api_tokens WHERE token_hash = ?', [tokenHash]),
    );
    return row && toToken(row);
  }

  async touchToken(id: string): Promise<void> {
    await this.connection.exclusive((db) => db.run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', [this.now(), id]));
  }

  async listTokens(): Promise<TokenRecord[]> {
    const rows = await this.connection.exclusive((db) => db.all<TokenDbRow>('SELECT id, name, created_at, last_used_at FROM api_tokens ORDER BY created_at, name'));
    return rows.map(toToken);
  }

  async countTokens(): Promise<number> {
    const row = await this.connection.exclusive((db) => db.get<{ n: number }>('SELECT COUNT(*) AS n FROM api_tokens'));
    return row?.n ?? 0;
  }

  /** Revokes by id or by name; true when a token was removed. */
  async revokeToken(idOrName: string): Promise<boolean> {
    const { changes } = await this.connection.exclusive((db) => db.run('DELETE FROM api_tokens WHERE id = ? OR name = ?', [idOrName, idOrName]));
    return changes > 0;
  }

  // --- completion callbacks owed -------------------------------------------------

  /** The run will owe its webhook's callback URL a POST when it ends. */
  async oweCallback(runId: string): Promise<void> {
    await this.connection.exclusive((db) => db.run('INSERT OR IGNORE INTO run_callbacks (run_id, created_at) VALUES (?, ?)', [runId, Date.now()]));
  }

  /** Whether the run still owes its callback (a true answer claims nothing: see settleCallback). */
  async owesCallback(runId: string): Promise<boolean> {
    return (await this.connection.exclusive((db) => db.get('SELECT 1 FROM run_callbacks WHERE run_id = ?', [runId]))) !== undefined;
  }

  /** Runs that owe a callback, oldest first. */
  async owedCallbacks(): Promise<string[]> {
    const rows = await this.connection.exclusive((db) => db.all<{ run_id: string }>('SELECT run_id FROM run_callbacks ORDER BY created_at'));
    return rows.map((row) => row.run_id);
  }

  /** The callback was delivered, or given up on: nothing is owed any more. */
  async settleCallback(runId: string): Promise<void> {
    await this.connection.exclusive((db) => db.run('DELETE FROM run_callbacks WHERE run_id = ?', [runId]));
  }

  // --- webhooks -----------------------------------------------------------------

  async putWebhook(graphId: string, slug: string, sealed: string, callbackUrl: string | undefined): Promise<WebhookRecord> {
    const now = this.now();
    const row = await this.connection.exclusive((db) =>
      db.get<WebhookDbRow>(
        `INSERT INTO webhooks (graph_id, slug, sealed, callback_url, created_at, updated_at) VALUES ($graphId, $slug, $sealed, $callbackUrl, $now, $now)
         ON CONFLICT (graph_id) DO UPDATE SET slug = excluded.slug, sealed = excluded.sealed, callback_url = excluded.callback_url, updated_at = excluded.updated_at
         RETURNING graph_id, slug, sealed, callback_url, created_at, updated_at`,
        { $graphId: graphId, $slug: slug, $sealed: sealed, $callbackUrl: callbackUrl, $now: now },
      ),
    );
    if (!row) throw new Error(`storing the webhook of "${graphId}" returned no row`);
    return toWebhook(row);
  }

  async webhookOfGraph(graphId: string): Promise<WebhookRecord | undefined> {
    const row = await this.connection.exclusive((db) => db.get<WebhookDbRow>('SELECT * FROM webhooks WHERE graph_id = ?', [graphId]));
    return row && toWebhook(row);
  }

  /** Every webhook, or those of one graph (at most one), oldest first. */
  async listWebhooks(graphId?: string): Promise<WebhookRecord[]> {
    const rows = await this.connection.exclusive((db) =>
      graphId === undefined
        ? db.all<WebhookDbRow>('SELECT * FROM webhooks ORDER BY created_at, graph_id')
        : db.all<WebhookDbRow>('SELECT * FROM webhooks WHERE graph_id = ? ORDER BY created_at', [graphId]),
    );
    return rows.map(toWebhook);
  }

  async webhookBySlug(slug: string): Promise<WebhookRecord | undefined> {
    const row = await this.connection.exclusive((db) => db.get<WebhookDbRow>('SELECT * FROM webhooks WHERE slug = ?', [slug]));
    return row && toWebhook(row);
  }

  async deleteWebhook(graphId: string): Promise<boolean> {
    const { changes } = await this.connection.exclusive((db) => db.run('DELETE FROM webhooks WHERE graph_id = ?', [graphId]));
    return changes > 0;
  }

  /**
   * Records a delivery by its signature; false when the same signature was
   * seen after `since` (a replay). Older entries are pruned on the way.
   */
  async recordDelivery(signature: string, slug: string, since: number): Promise<boolean> {
    return this.connection.transaction(async (db) => {
      await db.run('DELETE FROM webhook_deliveries WHERE received_at < ?', [since]);
      const { changes } = await db.run(
        'INSERT INTO webhook_deliveries (signature, slug, received_at) VALUES (?, ?, ?) ON CONFLICT (signature) DO NOTHING',
        [signature, slug, this.now()],
      );
      return changes > 0;
    });
  }

  // --- graphs -------------------------------------------------------------------

  /** The graph's run inputs draft (JSON text as stored), or undefined when none was saved. */
  async getGraphInputs(graphId: string): Promise<{ inputs: string; updatedAt: number } | undefined> {
    const row = await this.connection.exclusive((db) =>
      db.get<{ inputs: string; updated_at: number }>('SELECT inputs, updated_at FROM graph_inputs WHERE graph_id = ?', [graphId]),
    );
    return row && { inputs: row.inputs, updatedAt: row.updated_at };
  }

  /** Replaces the graph's draft with `inputs` (JSON text); the graph must exist. */
  async putGraphInputs(graphId: string, inputs: string): Promise<number> {
    const now = this.now();
    await this.connection.exclusive((db) =>
      db.run(
        `INSERT INTO graph_inputs (graph_id, inputs, updated_at) VALUES ($graphId, $inputs, $now)
         ON CONFLICT (graph_id) DO UPDATE SET inputs = excluded.inputs, updated_at = excluded.updated_at`,
        { $graphId: graphId, $inputs: inputs, $now: now },
      ),
    );
    return now;
  }

  /**
   * Makes runs of an unsaved document (no graph id) runs of a graph version,
   * so a graph's history starts with the runs made before its first save.
   * Runs that belong to a graph already are left alone; answers the ids adopted.
   */
  async adoptRuns(runIds: string[], graphId: string, version: number): Promise<string[]> {
    if (runIds.length === 0) return [];
    return this.connection.transaction(async (db) => {
      const adopted: string[] = [];
      for (const id of new Set(runIds)) {
        const { changes } = await db.run('UPDATE runs SET graph_id = ?, graph_version = ? WHERE id = ? AND graph_id IS NULL', [graphId, version, id]);
        if (changes > 0) adopted.push(id);
      }
      return adopted;
    });
  }

  /** Deletes a stored graph with all its versions (and its webhook); false when there was none. */
  async deleteGraph(id: string): Promise<boolean> {
    const { changes } = await this.connection.exclusive((db) => db.run('DELETE FROM graphs WHERE id = ?', [id]));
    return changes > 0;
  }
}

/** Associated data of a webhook secret's envelope: ties the ciphertext to its graph. */
export function webhookAad(graphId: string): string {
  return `webhook:${graphId}`;
}
