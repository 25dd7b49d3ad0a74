/**
 * A mutation of the orchestrator's decision: writes no longer follow traffic (Route 53's answer is
 * taken as moved whenever it was read). The partition scenario must then break the rehearsal's
 * split-brain invariant: the invariants catch a broken guard, not only the scenario's outcome.
 */
import { sharedAssembly } from '../../test/assemblies';
import { runInProcess } from '../src/matrix';

jest.mock('../../orchestrator/src/decision', () => {
  const actual = jest.requireActual('../../orchestrator/src/decision');
  return {
    ...actual,
    decide: (observations: any, policy: any) =>
      actual.decide({ ...observations, trafficOnSecondary: observations.trafficOnSecondary === undefined ? undefined : true }, policy),
  };
});

test('without "writes follow traffic" a partition ends in split brain, and the invariant says so', async () => {
  const [result] = await runInProcess({ assemblyDir: sharedAssembly('dev') }, [{ scenario: 'regions-partitioned', seed: 1 }]);
  expect(result.failovers).toBe(1);
  expect(result.violations).toEqual(
    expect.arrayContaining([expect.stringMatching(/split brain at t=.*aurora-trading-primary-dev and aurora-trading-secondary-dev both accepted writes/)]),
  );
});
