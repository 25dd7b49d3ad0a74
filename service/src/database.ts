import { DescribeGlobalClustersCommand, DescribeGlobalClustersCommandOutput, RDSClient } from '@aws-sdk/client-rds';

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

export function createRdsClient(region: string): RDSClient {
  return new RDSClient({ region, maxAttempts: 3 });
}
