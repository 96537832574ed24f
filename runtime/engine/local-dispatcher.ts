/**
 * Embedded execution: units run in this process, each resource class under
 * its own priority semaphore shared by every run of the engine.
 */
import type { NodeOutputs, NodeType } from '../contract/node.js';
import type { NodeRegistry } from '../contract/registry.js';
import type { ResourcePool } from './pool.js';
import { executeUnit, type UnitDispatcher, type UnitHooks, type UnitRequest, type UnitServices } from './unit.js';

export class LocalDispatcher implements UnitDispatcher {
  constructor(
    private readonly registry: NodeRegistry<NodeType>,
    private readonly pool: ResourcePool,
    private readonly services: UnitServices,
  ) {}

  async dispatch(request: UnitRequest, hooks: UnitHooks): Promise<NodeOutputs> {
    const type = this.registry.get(request.nodeType, request.typeVersion) as NodeType;
    const release = await this.pool.semaphore(request.resource).acquire(request.priority, hooks.signal);
    try {
      hooks.onStart();
      return await executeUnit(type, request, this.services, hooks.signal, hooks.emit);
    } finally {
      release();
    }
  }
}
