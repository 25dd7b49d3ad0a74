import { DescribeGlobalClustersCommand, DescribeGlobalClustersCommandOutput, RDSClient } from '@aws-sdk/client-rds';
import { ReadinessCheck } from './server';

/** The part of the RDS client used here (a seam for tests). */
export interface GlobalClusterReader {
  send(command: DescribeGlobalClustersCommand): Promise<DescribeGlobalClustersCommandOutput>;
}

/**
 * The Aurora global writer endpoint: one DNS name that Aurora points at the writer of whichever
 * region is primary, so writes follow the writer after a failover or switchover. CloudFormation
 * does not expose it as a string, so the service reads it once at startup.
 */
export async function resolveWriterEndpoint(rds: GlobalClusterReader, globalClusterIdentifier: string): Promise<string> {
  const output = await rds.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: globalClusterIdentifier }));
  const endpoint = output.GlobalClusters?.[0]?.Endpoint;
  if (!endpoint) throw new Error(`global cluster ${globalClusterIdentifier} has no writer endpoint`);
  return endpoint;
}

/**
 * Readiness of the region's database ROLE: this region can take writes only while its cluster is
 * the global writer, or a secondary with global write forwarding (the standby before a failover).
 * After a failover the recovered old primary rejoins as a secondary without forwarding: its region
 * must then stay out of rotation, or Route 53 would send traffic back to a read-only database.
 *
 * An API error keeps the last known answer: throttling must never look like a regional outage.
 */
export function writableRegionCheck(rds: GlobalClusterReader, globalClusterIdentifier: string, clusterIdentifier: string): ReadinessCheck {
  let lastKnown: Error | null | undefined;
  return {
    name: 'database-role',
    check: async () => {
      let member;
      try {
        const output = await rds.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: globalClusterIdentifier }));
        member = output.GlobalClusters?.[0]?.GlobalClusterMembers?.find((candidate) => candidate.DBClusterArn?.endsWith(`:cluster:${clusterIdentifier}`));
      } catch (error) {
        if (lastKnown === undefined) throw error;
        if (lastKnown) throw lastKnown;
        return;
      }
      lastKnown =
        member && (member.IsWriter || member.GlobalWriteForwardingStatus === 'enabled')
          ? null
          : new Error(`${clusterIdentifier} is ${member ? 'a read-only secondary without write forwarding' : 'not a member of the global cluster'}`);
      if (lastKnown) throw lastKnown;
    },
  };
}

export function createRdsClient(region: string): RDSClient {
  return new RDSClient({ region, maxAttempts: 3 });
}
