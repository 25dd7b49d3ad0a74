import { DescribeGlobalClustersCommand } from '@aws-sdk/client-rds';
import { GlobalClusterReader, resolveWriterEndpoint, writableRegionCheck } from '../src/database';

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

describe('readiness of the database role', () => {
  const member = (arnSuffix: string, props: { IsWriter?: boolean; GlobalWriteForwardingStatus?: string }) => ({
    DBClusterArn: `arn:aws:rds:r:1:cluster:${arnSuffix}`,
    ...props,
  });
  function scripted(...answers: Array<Error | Array<ReturnType<typeof member>>>): GlobalClusterReader {
    return {
      send: async () => {
        const answer = answers.shift();
        if (answer instanceof Error) throw answer;
        return { GlobalClusters: [{ GlobalClusterMembers: answer }], $metadata: {} } as any;
      },
    };
  }

  test('the writer region and the forwarding standby are ready; a demoted old primary is not', async () => {
    const writer = writableRegionCheck(scripted([member('primary', { IsWriter: true })]), 'g', 'primary');
    await expect(writer.check()).resolves.toBeUndefined();
    const standby = writableRegionCheck(scripted([member('secondary', { IsWriter: false, GlobalWriteForwardingStatus: 'enabled' })]), 'g', 'secondary');
    await expect(standby.check()).resolves.toBeUndefined();
    const demoted = writableRegionCheck(scripted([member('primary', { IsWriter: false, GlobalWriteForwardingStatus: 'disabled' })]), 'g', 'primary');
    await expect(demoted.check()).rejects.toThrow('primary is a read-only secondary without write forwarding');
  });

  test('an API error keeps the last known answer, so throttling never looks like an outage', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const check = writableRegionCheck(
      scripted([member('primary', { IsWriter: true })], throttled, [member('primary', { IsWriter: false })], throttled),
      'g',
      'primary',
    );
    await expect(check.check()).resolves.toBeUndefined();
    await expect(check.check()).resolves.toBeUndefined();
    await expect(check.check()).rejects.toThrow('read-only');
    await expect(check.check()).rejects.toThrow('read-only');
  });

  test('with no answer yet, an API error is not ready', async () => {
    await expect(writableRegionCheck(scripted(new Error('down')), 'g', 'primary').check()).rejects.toThrow('down');
  });
});
