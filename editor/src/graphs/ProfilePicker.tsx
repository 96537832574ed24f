/**
 * The graph's render profile: one select that switches every picture node
 * (overlays, pacing, scenes, timeline) between 1080p, a 720p preview and 9:16
 * at once, instead of editing each node. It sets the document's
 * `settings.profile`; "from nodes" leaves it unset, so each node keeps its
 * own profile or default. A node whose params name a profile keeps it.
 *
 * The choices are the `profile` enums of the node types the server described
 * (the graph store's registry), so the editor offers what validation accepts.
 */
import { useId, useMemo, type ChangeEvent } from 'react';
import { settingChoices, settingTargets, type GraphDocument, type NodeDescription, type NodeRegistry } from '../../../runtime/contract/index.js';
import { updateGraph, useDocument, useNodeTypes, useRegistry } from '../state/graph-store.js';
import { withSetting } from './settings.js';
import './profile-picker.css';

/** The select's value for "no graph profile". */
const FROM_NODES = '';

export interface ProfilePickerProps {
  /** Label before the select; default "Render profile". */
  label?: string;
  /** Extra class on the wrapper, for placement in a toolbar or a panel. */
  className?: string;
  /** The select's test id; default "graph-profile" (the toolbar's). */
  testId?: string;
}

/** The settings with `profile` set, or removed when `profile` is undefined (no empty `settings` object is left behind). */
export function settingsWithProfile(settings: GraphDocument['settings'], profile: string | undefined): GraphDocument['settings'] {
  return withSetting(settings, 'profile', profile);
}

/** What the picker shows for a document: its profile, the choices, and the nodes the profile would reach. */
export interface ProfileChoice {
  /** The graph's `settings.profile`; undefined: "from nodes". */
  profile: string | undefined;
  /** The profiles the node types accept, in the order they declare them. */
  choices: string[];
  /** Ids of the nodes the graph's profile fills: they take a profile and set none of their own. */
  filled: string[];
}

export function profileChoice(doc: GraphDocument, nodeTypes: readonly NodeDescription[], registry: NodeRegistry<NodeDescription> | undefined): ProfileChoice {
  return {
    profile: doc.settings?.profile,
    choices: settingChoices(nodeTypes, 'profile'),
    filled: registry ? settingTargets(doc.nodes, registry, 'profile').map(({ node }) => node.id) : [],
  };
}

export interface ProfileSelectProps extends ProfilePickerProps, ProfileChoice {
  /** A profile chosen, or undefined for "from nodes". */
  onChange(profile: string | undefined): void;
}

/** The select itself, from plain props. */
export function ProfileSelect({ profile, choices, filled, onChange, label = 'Render profile', className, testId = 'graph-profile' }: ProfileSelectProps) {
  const id = useId();
  const unknown = profile !== undefined && !choices.includes(profile);
  const hint =
    filled.length === 0
      ? 'No node here takes the graph’s profile (each sets its own, or none renders pictures).'
      : `Applies to ${filled.join(', ')}: the nodes that take a profile and set none of their own.`;
  const select = (event: ChangeEvent<HTMLSelectElement>): void => onChange(event.target.value === FROM_NODES ? undefined : event.target.value);
  return (
    <label className={`rg-profile-picker${className ? ` ${className}` : ''}`} htmlFor={id} title={hint}>
      <span className="rg-profile-picker-label">{label}</span>
      <select id={id} data-testid={testId} value={profile ?? FROM_NODES} onChange={select} disabled={choices.length === 0 && profile === undefined}>
        <option value={FROM_NODES}>from nodes</option>
        {choices.map((choice) => (
          <option key={choice} value={choice}>
            {choice}
          </option>
        ))}
        {unknown ? <option value={profile}>{`${profile} (unknown)`}</option> : null}
      </select>
    </label>
  );
}

/** The picker on the open document: reads the graph store and sets `settings.profile` through it (one undo step). */
export function ProfilePicker(props: ProfilePickerProps) {
  const doc = useDocument();
  const nodeTypes = useNodeTypes();
  const registry = useRegistry();
  const choice = useMemo(() => profileChoice(doc, nodeTypes, registry), [doc, nodeTypes, registry]);
  const onChange = (profile: string | undefined): void => updateGraph({ settings: settingsWithProfile(doc.settings, profile) });
  return <ProfileSelect {...props} {...choice} onChange={onChange} />;
}
