// TerminateInstances for the lab world, minimal: the simulated Controller terminates the EC2 instance
// of an SE it deletes (write-access cloud). If the EC2 side of the lab brings its own terminate, this
// one should call it. AWS: terminate is idempotent; the instance is `shutting-down`, then `terminated`;
// volumes flagged DeleteOnTermination are deleted, the others are detached and left `available`.

import { DURATION_MS, type LabWorld } from './world.js';

export function terminateInstance(world: LabWorld, instanceId: string): void {
  const inst = world.instance(instanceId);
  if (inst.state === 'terminated' || inst.state === 'shutting-down') return;
  const from = inst.state;
  inst.state = 'shutting-down';
  inst.stateTransitionReason = `User initiated (${new Date().toISOString()})`;
  inst.stateReason = { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
  world.events.emit('instance', inst, from);
  // Not documented as a figure; the lab takes as long as a stop.
  world.clock.after(DURATION_MS.stop, () => {
    for (const [device, volumeId] of Object.entries(inst.devices)) {
      const vol = world.volumes.get(volumeId);
      delete inst.devices[device];
      if (!vol) continue;
      const dropped = vol.attachment?.deleteOnTermination === true;
      delete vol.attachment;
      if (dropped) world.volumes.delete(volumeId);
      else vol.state = 'available';
    }
    inst.state = 'terminated';
    world.events.emit('instance', inst, 'shutting-down');
  });
}
