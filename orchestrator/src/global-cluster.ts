import { DescribeGlobalClustersCommand, GlobalCluster, GlobalClusterMember, RDSClient } from '@aws-sdk/client-rds';

/** The global cluster as RDS reports it in the client's region (undefined when it does not exist). */
export async function describeGlobalCluster(rds: Pick<RDSClient, 'send'>, globalClusterIdentifier: string): Promise<GlobalCluster | undefined> {
  const output = await rds.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: globalClusterIdentifier }));
  return output.GlobalClusters?.[0];
}

export function memberOf(cluster: GlobalCluster | undefined, clusterArn: string): GlobalClusterMember | undefined {
  return cluster?.GlobalClusterMembers?.find((member) => member.DBClusterArn === clusterArn);
}

/** The region of the cluster that is the global writer now, or an error naming the global cluster. */
export async function writerRegion(rds: Pick<RDSClient, 'send'>, globalClusterIdentifier: string, context: string): Promise<string> {
  const writerArn = (await describeGlobalCluster(rds, globalClusterIdentifier))?.GlobalClusterMembers?.find((member) => member.IsWriter)?.DBClusterArn;
  if (!writerArn) throw new Error(`no writer in global cluster ${globalClusterIdentifier}${context}`);
  return writerArn.split(':')[3];
}
