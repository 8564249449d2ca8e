// controller-new-vms' own settings (its section of the config file).

import type { RunbookSettings } from '../../runbook/module.js';
import { UsageError } from '../errors.js';

export interface NewVmsSettings {
  /** Launch the new VMs from this AMI (root snapshot encrypted with the key) instead of the nodes' own. */
  encryptedAmi?: string;
  /** Once the run is verified, terminate the old VMs (stopped until then). */
  terminateOld: boolean;
}

const AMI = /^ami-[0-9a-f]{8,17}$/;

export const newVmsSettings: RunbookSettings<NewVmsSettings> = {
  specs: [
    { key: 'encryptedAmi', type: 'string', env: 'AVI_ENCRYPT_ENCRYPTED_AMI', describe: 'AMI whose root snapshot is encrypted with the key' },
    { key: 'terminateOld', type: 'boolean', describe: 'Once the run is verified, terminate the old Controller VMs (their original roots go with them) instead of leaving them stopped' },
  ],
  parse(raw, sourceOf) {
    const ami = raw['encryptedAmi'];
    if (ami !== undefined && (typeof ami !== 'string' || !AMI.test(ami))) {
      throw new UsageError(`encrypted AMI "${String(ami)}" (${sourceOf('encryptedAmi')}) is not an AMI id: set it to one like ami-0abc1234def567890`);
    }
    const terminate = raw['terminateOld'];
    if (terminate !== undefined && typeof terminate !== 'boolean') {
      throw new UsageError(`terminateOld (${sourceOf('terminateOld')}) must be true or false, not "${String(terminate)}"`);
    }
    return { ...(typeof ami === 'string' ? { encryptedAmi: ami } : {}), terminateOld: terminate === true };
  },
};
