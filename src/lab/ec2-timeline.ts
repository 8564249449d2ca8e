// EC2 transitions on the lab's timeline beside the Controller's: when each instance, volume and
// copied image changed state, so a rehearsal shows where the time went and the bench can measure
// how soon avi-encrypt noticed each change (subjects instance:<id>, volume:<id>, image:<id>).

import type { Timeline } from './timeline.js';
import type { World } from './world/types.js';

export function recordEc2Changes(world: World, timeline: Timeline): void {
  world.events.on('instance', (i) => timeline.record(`instance:${i.instanceId}`, i.state));
  world.events.on('launched', (i) => timeline.record(`instance:${i.instanceId}`, i.state));
  // "in-use attaching", "in-use attached", "in-use detaching", "available", "error"; the detail names the instance.
  world.events.on('volume', (v) => {
    const att = v.attachment;
    timeline.record(`volume:${v.volumeId}`, att ? `${v.state} ${att.state}` : v.state, att?.instanceId);
  });
  world.events.on('image', (im) => timeline.record(`image:${im.imageId}`, im.state));
}
