// The Controller runbooks' own settings (their section of the config file).

import type { RunbookSettings } from '../../runbook/module.js';
import { UsageError } from '../errors.js';

export interface ControllerSettings {
  /** AMI whose root snapshot is encrypted with the key. */
  encryptedAmi?: string;
}

const AMI = /^ami-[0-9a-f]{8,17}$/;

export const controllerSettings: RunbookSettings<ControllerSettings> = {
  specs: [{ key: 'encryptedAmi', type: 'string', env: 'AVI_ENCRYPT_ENCRYPTED_AMI', describe: 'AMI whose root snapshot is encrypted with the key' }],
  parse(raw, sourceOf, common) {
    const ami = raw['encryptedAmi'];
    if (ami === undefined) {
      throw new UsageError(
        `strategy ${common.strategy} needs an encrypted Controller AMI: set --encrypted-ami or AVI_ENCRYPT_ENCRYPTED_AMI (creating it is planned for a later version)`,
      );
    }
    if (typeof ami !== 'string' || !AMI.test(ami)) {
      throw new UsageError(`encrypted AMI "${String(ami)}" (${sourceOf('encryptedAmi')}) is not an AMI id: set it to one like ami-0abc1234def567890`);
    }
    return { encryptedAmi: ami };
  },
};
