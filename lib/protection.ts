import { Posture } from './config';

/**
 * What an environment's posture asks of the resources that hold data or serve traffic. The test
 * posture keeps everything destroyable; the production posture guards against deletion.
 */
export interface ResourceProtection {
  /** Deletion protection on the Aurora clusters, the DynamoDB replicas and the load balancers. */
  readonly deletionProtection: boolean;
  /**
   * Whether records outlive `cdk destroy`: buckets, log groups, the keys that encrypt them and
   * the backup vaults are retained, and Aurora clusters leave a final snapshot.
   */
  readonly retainRecords: boolean;
  /** Whether the databases are backed up by AWS Backup, with a copy in the other region. */
  readonly crossRegionBackups: boolean;
}

export function protectionFor(posture: Posture): ResourceProtection {
  const production = posture === Posture.PRODUCTION;
  return { deletionProtection: production, retainRecords: production, crossRegionBackups: production };
}
