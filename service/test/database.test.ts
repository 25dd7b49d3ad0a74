import { DescribeGlobalClustersCommand } from '@aws-sdk/client-rds';
import { GlobalClusterReader, resolveWriterEndpoint } from '../src/database';

function reader(endpoint: string | undefined, inputs: unknown[] = []): GlobalClusterReader {
  return {
    send: async (command: DescribeGlobalClustersCommand) => {
      inputs.push(command.input);
      return { GlobalClusters: [{ GlobalClusterIdentifier: 'aurora-trading-global-dev', Endpoint: endpoint }], $metadata: {} };
    },
  };
}

test('the writer endpoint of the global cluster is what writes connect to', async () => {
  const inputs: unknown[] = [];
  const endpoint = await resolveWriterEndpoint(reader('aurora-trading-global-dev.global-abc123.global.rds.amazonaws.com', inputs), 'aurora-trading-global-dev');
  expect(endpoint).toBe('aurora-trading-global-dev.global-abc123.global.rds.amazonaws.com');
  expect(inputs).toEqual([{ GlobalClusterIdentifier: 'aurora-trading-global-dev' }]);
});

test('a global cluster without a writer endpoint is an error, not a silent fallback', async () => {
  await expect(resolveWriterEndpoint(reader(undefined), 'aurora-trading-global-dev')).rejects.toThrow('has no writer endpoint');
});
