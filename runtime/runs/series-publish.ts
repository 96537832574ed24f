/**
 * A series' publish target (settings.publish, runtime/contract/series.ts):
 * checked against the publish node type's own params schema when settings
 * are stored, so a series never holds a target that would fail at its
 * first publish for a mistake that could be seen at once. The runtime knows
 * node types only through the registry it is given.
 */
import { applySchemaDefaults, type NodeDescription, type NodeRegistry } from '../contract/index.js';
import type { SeriesSettings } from '../contract/series.js';
import { SeriesError } from '../store/series-tables.js';

/** One thing wrong with settings: a JSON pointer into them and what is wrong there. */
export interface SettingsProblem {
  path: string;
  message: string;
}

/** What is wrong with the settings' publish target (none: nothing, or no target). */
export function seriesSettingsProblems(settings: SeriesSettings, registry: Pick<NodeRegistry<NodeDescription>, 'latest'>): SettingsProblem[] {
  const target = settings.publish;
  if (!target) return [];
  const node = registry.latest(target.node);
  if (!node) return [{ path: '/publish/node', message: `${target.node} is not an installed node type` }];
  return applySchemaDefaults(node.params, target.params).issues.map((issue) => ({
    path: `/publish/params${issue.pointer}`,
    message: `${target.node} param ${issue.pointer ? `"${issue.pointer.slice(1)}"` : 'object'} ${issue.message}`,
  }));
}

/** Throws SeriesError INVALID_SETTINGS (400) naming each problem, e.g. `publish.webhook param "url" must match format "uri"`. */
export function checkSeriesSettings(settings: SeriesSettings, registry: Pick<NodeRegistry<NodeDescription>, 'latest'>): void {
  const problems = seriesSettingsProblems(settings, registry);
  if (problems.length > 0) throw new SeriesError('INVALID_SETTINGS', `settings.publish: ${problems.map((problem) => problem.message).join('; ')}`, 400);
}
