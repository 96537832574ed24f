/**
 * The parameter panel: everything about the selected node. A form generated
 * by @rjsf/core from the node type's params JSON Schema (live ajv
 * validation, "default: …" placeholders and hints, reset per field), the
 * node's settings (retries, delays, timeout, always run), its ports (each
 * can be exposed as a graph input or output in one click), and a
 * credentials picker for node types that declare credentials.
 *
 * Edits go to the graph store as the user types (debounced); the form keeps
 * its own copy meanwhile, and takes the store's value again when it changes
 * from elsewhere (undo, another panel) while nothing is pending.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import Form, { getDefaultRegistry, type IChangeEvent } from '@rjsf/core';
import { ADDITIONAL_PROPERTY_FLAG, type FieldTemplateProps, type RJSFSchema, type UiSchema as RjsfUiSchema, type ValidatorType, type Widget, type WidgetProps } from '@rjsf/utils';
import { formatPortType, paramsSchemaUnderSettings, type GraphDocument, type GraphNode, type NodeDescription, type PortSpec } from '../../../runtime/contract/index.js';
import { useGraphStore, useSelectedNode, useSelectedNodeDescription } from '../state/graph-store.js';
import { notify } from '../state/toast-store.js';
import { CredentialsPicker } from './CredentialsPicker.js';
import { formValidator } from './validator.js';
import { buildUiSchema, cleanParams, cleanSettings, formatDefault, formSchema, jsonEqual, paramsPatch, settingsSchema, settingsUiSchema } from './schema.js';
import './params.css';

/** How long typing pauses before the store (and so undo history, the canvas) sees the change. */
const DEBOUNCE_MS = 250;

type FormContext = { nodeId: string };

/** rjsf's field template plus a "default: …" hint and a reset button for set fields. */
function ParamFieldTemplate(props: FieldTemplateProps<unknown, RJSFSchema, FormContext>) {
  const { id, label, children, errors, help, description, hidden, required, displayLabel, schema, formData, fieldPathId, onChange, uiSchema, readonly, disabled, onKeyRenameBlur, onRemoveProperty } = props;
  if (hidden) return <div className="hidden">{children}</div>;
  const path = fieldPathId.path;
  const key = path[path.length - 1];
  const isRoot = path.length === 0;
  const additional = ADDITIONAL_PROPERTY_FLAG in schema;
  const hasDefault = 'default' in schema;
  const isSet = formData !== undefined && !(typeof formData === 'string' && formData === '');
  // Only declared object properties can go back to "unset" (array items and map entries are removed instead).
  const resettable = !isRoot && !additional && typeof key === 'string' && isSet && !readonly && !disabled;
  if (additional) {
    // An entry of a map (`additionalProperties`): its key can be renamed, the entry removed.
    return (
      <div className="rg-param-field rg-param-entry" data-field={String(key)}>
        <div className="rg-param-entry-head">
          <input className="rg-param-entry-key" id={`${id}-key`} aria-label="Key" defaultValue={label} key={label} onBlur={onKeyRenameBlur} disabled={disabled || readonly} />
          <button type="button" className="rg-link-button" onClick={onRemoveProperty} disabled={disabled || readonly} data-testid={`remove-${id}`}>
            remove
          </button>
        </div>
        {children}
        {errors}
        {help}
      </div>
    );
  }
  const isCheckbox = schema.type === 'boolean' || uiSchema?.['ui:widget'] === 'checkbox';
  const atDefault = hasDefault && jsonEqual(formData, schema.default);
  return (
    <div className={`rg-param-field${isRoot ? ' rg-param-root' : ''}${errors && props.rawErrors?.length ? ' rg-param-invalid' : ''}`} data-field={isRoot ? undefined : String(key)}>
      {displayLabel && !isCheckbox && (
        <label htmlFor={id} className="rg-param-label">
          {label}
          {required ? <span className="rg-param-required" title="required">*</span> : null}
        </label>
      )}
      {displayLabel && description ? description : null}
      {children}
      {!isRoot && (hasDefault || resettable) ? (
        <div className="rg-param-meta">
          {hasDefault ? (
            <span className={atDefault || !isSet ? 'rg-param-default' : 'rg-param-default rg-param-changed'}>
              default: <code>{formatDefault(schema.default)}</code>
              {!isSet ? ' (in use)' : atDefault ? ' (same)' : ''}
            </span>
          ) : null}
          {resettable ? (
            <button
              type="button"
              className="rg-link-button"
              data-testid={`reset-${id}`}
              title={hasDefault ? 'Remove the value: the node type’s default applies' : 'Clear the value'}
              onClick={() => onChange(undefined, path, undefined, id)}
            >
              {hasDefault ? 'reset to default' : 'clear'}
            </button>
          ) : null}
        </div>
      ) : null}
      {errors}
      {help}
    </div>
  );
}

const templates = { FieldTemplate: ParamFieldTemplate };

const BaseSelectWidget: Widget = getDefaultRegistry().widgets.SelectWidget!;

/**
 * rjsf's select drops its empty option when the schema has a default, so an
 * unset field would look set to the first option. Keep the empty option (its
 * text is the "default: …" placeholder): unset means "the default".
 */
function SelectWidget(props: WidgetProps) {
  const { default: _default, ...schema } = props.schema;
  return <BaseSelectWidget {...props} schema={schema} />;
}

const BaseCheckboxWidget: Widget = getDefaultRegistry().widgets.CheckboxWidget!;

/** An unset checkbox shows its default (ticked for `default: true`); a click makes the value explicit. */
function CheckboxWidget(props: WidgetProps) {
  const value = props.value === undefined && typeof props.schema.default === 'boolean' ? props.schema.default : props.value;
  return <BaseCheckboxWidget {...props} value={value} />;
}

const widgets = { SelectWidget, CheckboxWidget };

/** ajv, or the CSP-safe interpreter when the page may not generate code (see validator.ts). */
const validator = formValidator() as ValidatorType;

/** A debounced writer: `schedule(value)` writes after a pause, `flush()` writes now, `cancel()` forgets. */
function useDebouncedWriter<T>(write: (value: T) => void, delay: number) {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const pending = useRef<{ value: T } | undefined>(undefined);
  const writeRef = useRef(write);
  writeRef.current = write;
  const flush = useCallback(() => {
    if (timer.current !== undefined) clearTimeout(timer.current);
    timer.current = undefined;
    const next = pending.current;
    pending.current = undefined;
    if (next) writeRef.current(next.value);
  }, []);
  const schedule = useCallback(
    (value: T) => {
      pending.current = { value };
      if (timer.current !== undefined) clearTimeout(timer.current);
      timer.current = setTimeout(flush, delay);
    },
    [delay, flush],
  );
  const isPending = useCallback(() => pending.current !== undefined, []);
  // Whatever is pending when the form goes away (another node selected) is written, not lost.
  useEffect(() => flush, [flush]);
  return useMemo(() => ({ schedule, flush, isPending }), [schedule, flush, isPending]);
}

function ParamsForm({ node, description }: { node: GraphNode; description: NodeDescription }) {
  // A param the graph's settings fill (the render profile) shows the graph's value as its default.
  const graphSettings = useGraphStore((state) => state.doc.settings);
  const params = useMemo(() => paramsSchemaUnderSettings(description, graphSettings), [description, graphSettings]);
  const schema = useMemo(() => formSchema(params) as RJSFSchema, [params]);
  const uiSchema = useMemo(() => ({ ...buildUiSchema(params), 'ui:submitButtonOptions': { norender: true } }) as RjsfUiSchema, [params]);
  const [data, setData] = useState<Record<string, unknown>>(() => structuredClone(node.params));
  const nodeId = node.id;

  const writer = useDebouncedWriter<Record<string, unknown>>((next) => {
    const current = useGraphStore.getState().doc.nodes.find((candidate) => candidate.id === nodeId)?.params;
    if (!current) return;
    const patch = paramsPatch(current, next);
    if (Object.keys(patch).length > 0) useGraphStore.getState().updateParams(nodeId, patch);
  }, DEBOUNCE_MS);

  // The store changed under us (undo, paste, another panel) and we have nothing pending: show its value.
  useEffect(() => {
    if (!writer.isPending() && !jsonEqual(cleanParams(data), node.params)) setData(structuredClone(node.params));
  }, [node.params]);

  const onChange = useCallback(
    (event: IChangeEvent<Record<string, unknown>>) => {
      const next = cleanParams(event.formData);
      setData(next);
      writer.schedule(next);
    },
    [writer],
  );

  if (Object.keys((description.params.properties as object | undefined) ?? {}).length === 0 && description.params.additionalProperties !== true) {
    return <p className="rg-muted rg-small">This node type has no parameters.</p>;
  }

  return (
    <Form<Record<string, unknown>, RJSFSchema, FormContext>
      className="rg-param-form"
      schema={schema}
      uiSchema={uiSchema}
      formData={data}
      formContext={{ nodeId }}
      validator={validator}
      templates={templates}
      widgets={widgets}
      liveValidate="onChange"
      showErrorList={false}
      noHtml5Validate
      experimental_defaultFormStateBehavior={{ emptyObjectFields: 'skipDefaults', arrayMinItems: { populate: 'never' } }}
      onChange={onChange}
      onBlur={() => writer.flush()}
      onSubmit={() => writer.flush()}
    />
  );
}

function SettingsForm({ node, description }: { node: GraphNode; description: NodeDescription | undefined }) {
  const uiSchema = useMemo(() => ({ ...settingsUiSchema(description), 'ui:submitButtonOptions': { norender: true } }) as RjsfUiSchema, [description]);
  const [data, setData] = useState<Record<string, unknown>>(() => ({ ...(node.settings ?? {}) }));
  const nodeId = node.id;
  const writer = useDebouncedWriter<Record<string, unknown>>((next) => {
    const settings = cleanSettings(next);
    const current = useGraphStore.getState().doc.nodes.find((candidate) => candidate.id === nodeId);
    if (!current || jsonEqual(current.settings ?? {}, settings)) return;
    useGraphStore.getState().updateSettings(nodeId, {
      retries: settings.retries,
      retryDelayMs: settings.retryDelayMs,
      maxRetryDelayMs: settings.maxRetryDelayMs,
      timeoutMs: settings.timeoutMs,
      alwaysRun: settings.alwaysRun,
    });
  }, DEBOUNCE_MS);
  useEffect(() => {
    if (!writer.isPending() && !jsonEqual(cleanSettings(data), node.settings ?? {})) setData({ ...(node.settings ?? {}) });
  }, [node.settings]);
  const configured = Object.keys(node.settings ?? {}).length;
  return (
    <details className="rg-section rg-param-section" data-testid="param-node-settings">
      <summary>
        Settings <span className="rg-muted rg-small">{configured > 0 ? `${configured} set` : 'node type defaults'}</span>
      </summary>
      <Form
        className="rg-param-form"
        idPrefix="settings"
        schema={settingsSchema as RJSFSchema}
        uiSchema={uiSchema}
        formData={data}
        validator={validator}
        templates={templates}
        liveValidate="onChange"
        showErrorList={false}
        noHtml5Validate
        experimental_defaultFormStateBehavior={{ emptyObjectFields: 'skipDefaults' }}
        onChange={(event: IChangeEvent<Record<string, unknown>>) => {
          const next = cleanParams(event.formData);
          setData(next);
          writer.schedule(next);
        }}
        onBlur={() => writer.flush()}
      />
    </details>
  );
}

/** Where each port of the node is wired (the document's edges), and which named graph outputs read each output port. */
function connectionsOf(doc: GraphDocument, nodeId: string): { into: Map<string, string[]>; out: Map<string, string[]>; exposed: Map<string, string[]> } {
  const into = new Map<string, string[]>();
  const out = new Map<string, string[]>();
  const exposed = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, key: string, value: string) => map.set(key, [...(map.get(key) ?? []), value]);
  for (const edge of doc.edges) {
    const [toNode, toPort] = [edge.to.slice(0, edge.to.indexOf('.')), edge.to.slice(edge.to.indexOf('.') + 1)];
    const [fromNode, fromPort] = [edge.from.slice(0, edge.from.indexOf('.')), edge.from.slice(edge.from.indexOf('.') + 1)];
    if (toNode === nodeId) add(into, toPort, edge.from);
    if (fromNode === nodeId) add(out, fromPort, edge.to);
  }
  for (const [name, ref] of Object.entries(doc.outputs ?? {})) {
    if (ref.slice(0, ref.indexOf('.')) === nodeId) add(exposed, ref.slice(ref.indexOf('.') + 1), name);
  }
  return { into, out, exposed };
}

/** "Expose as graph input/output": one store action (one undo step), reported in a toast. */
function expose(side: 'in' | 'out', nodeId: string, port: string): void {
  const state = useGraphStore.getState();
  const result = side === 'in' ? state.exposeInput(nodeId, port) : state.exposeOutput(nodeId, port);
  if (!result.ok) notify('error', `Could not expose ${nodeId}.${port}: ${result.reason}`);
  else notify('success', side === 'in' ? `Graph input "${result.name}" now feeds ${nodeId}.${port}.` : `Graph output "${result.name}" names ${nodeId}.${port}.`);
}

function PortList({ title, side, nodeId, ports, links, exposed, mapOver }: { title: string; side: 'in' | 'out'; nodeId: string; ports: PortSpec[]; links: Map<string, string[]>; exposed?: Map<string, string[]>; mapOver?: string | undefined }) {
  if (ports.length === 0) return null;
  return (
    <div className="rg-param-ports">
      <h4>{title}</h4>
      <ul>
        {ports.map((port) => (
          <li key={port.name} title={port.description ?? ''} data-testid={`port-${side}-${port.name}`}>
            <span className="rg-port-name">{port.title ?? port.name}</span> <code className="rg-port-type">{formatPortType(port)}</code>
            {port.optional ? <span className="rg-muted rg-small"> optional</span> : null}
            {mapOver === port.name ? <span className="rg-badge" title="The node runs once per item of this list">per item</span> : null}
            {links.get(port.name)?.length ? (
              <span className="rg-muted rg-small rg-port-links">
                {side === 'in' ? ' ← ' : ' → '}
                {links.get(port.name)!.join(', ')}
              </span>
            ) : side === 'in' && !port.optional ? (
              <span className="rg-param-warn rg-small"> not connected</span>
            ) : null}
            {side === 'out' && exposed?.get(port.name)?.length ? (
              <span className="rg-badge rg-port-exposed" title="Named graph outputs that read this port" data-testid={`port-exposed-${port.name}`}>
                output {exposed.get(port.name)!.join(', ')}
              </span>
            ) : null}
            {(side === 'in' && !links.get(port.name)?.length) || (side === 'out' && !exposed?.get(port.name)?.length) ? (
              <button
                type="button"
                className="rg-link-button rg-port-expose"
                data-testid={`expose-${side === 'in' ? 'input' : 'output'}-${port.name}`}
                title={side === 'in' ? `Create a graph input of type ${formatPortType(port)} and connect it to this port` : 'Name this port as one of the graph’s outputs'}
                onClick={() => expose(side, nodeId, port.name)}
              >
                {side === 'in' ? 'Expose as graph input' : 'Expose as graph output'}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

function NodeHeader({ node, description }: { node: GraphNode; description: NodeDescription | undefined }) {
  const [title, setTitle] = useState(node.title ?? '');
  useEffect(() => setTitle(node.title ?? ''), [node.title]);
  return (
    <header className="rg-param-header">
      <input
        className="rg-param-title"
        aria-label="Node title"
        data-testid="param-node-title"
        value={title}
        placeholder={description?.title ?? node.type}
        onChange={(event) => setTitle(event.target.value)}
        onBlur={() => {
          if (title !== (node.title ?? '')) useGraphStore.getState().updateNodeMeta(node.id, { title: title.trim() });
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter') (event.target as HTMLInputElement).blur();
        }}
      />
      <dl className="rg-param-facts">
        <dt>id</dt>
        <dd>
          <code data-testid="param-node-id">{node.id}</code>
        </dd>
        <dt>type</dt>
        <dd>
          <code data-testid="param-node-type">
            {node.type}@{node.typeVersion}
          </code>
          {description && description.version !== node.typeVersion ? <span className="rg-param-warn rg-small"> (only version {description.version} is known)</span> : null}
        </dd>
        {description ? (
          <>
            <dt>runs on</dt>
            <dd>
              {description.resource}
              {description.cacheable ? ' · cached' : ' · not cached'}
            </dd>
          </>
        ) : null}
      </dl>
      {description?.description ? <p className="rg-param-description">{description.description}</p> : null}
    </header>
  );
}

function Section({ title, children, open = true }: { title: string; children: ReactNode; open?: boolean }) {
  return (
    <details className="rg-section rg-param-section" open={open}>
      <summary>{title}</summary>
      {children}
    </details>
  );
}

export function ParamPanel() {
  const node = useSelectedNode();
  const description = useSelectedNodeDescription();
  const doc = useGraphStore((state) => state.doc);
  const selectionCount = useGraphStore((state) => state.selection.length);
  const registryReady = useGraphStore((state) => state.registry !== undefined);
  const links = useMemo(() => (node ? connectionsOf(doc, node.id) : undefined), [doc, node]);

  if (!node) {
    return (
      <div className="rg-param-panel" data-testid="param-panel">
        <p className="rg-muted rg-param-empty">{selectionCount > 1 ? `${selectionCount} items selected — select one node to edit its parameters.` : 'Select a node to edit its parameters.'}</p>
      </div>
    );
  }

  return (
    <div className="rg-param-panel" data-testid="param-panel" data-node-id={node.id}>
      <NodeHeader node={node} description={description} />
      {description ? (
        <>
          <Section title="Parameters">
            <ParamsForm key={`${node.id}@${description.type}@${description.version}`} node={node} description={description} />
          </Section>
          {description.credentials?.length ? (
            <Section title="Credentials">
              <CredentialsPicker specs={description.credentials} />
            </Section>
          ) : null}
          <Section title="Ports">
            <PortList title="Inputs" side="in" nodeId={node.id} ports={description.inputs} links={links?.into ?? new Map()} mapOver={description.mapOver} />
            <PortList title="Outputs" side="out" nodeId={node.id} ports={description.outputs} links={links?.out ?? new Map()} exposed={links?.exposed ?? new Map()} />
          </Section>
        </>
      ) : (
        <div className="rg-param-unknown">
          <p className="rg-param-warn">
            {registryReady ? `Unknown node type ${node.type}@${node.typeVersion}: its parameters cannot be edited as a form.` : 'Loading node types…'}
          </p>
          <pre className="rg-param-json">{JSON.stringify(node.params, null, 2)}</pre>
        </div>
      )}
      <SettingsForm key={`settings-${node.id}`} node={node} description={description} />
    </div>
  );
}

export default ParamPanel;
