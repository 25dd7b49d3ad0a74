/** A rehearsal worker process: runs the tasks it is sent and returns their results. */
import { runInProcess } from './matrix';

// Simulated failures are values that the code under test catches; capturing their stack traces is
// about a tenth of a run's time. Workers only return results, so they do without.
Error.stackTraceLimit = 0;

process.once('message', (message: { assemblyDir: string; world: any; tasks: Array<{ scenario: string; seed: number }> }) => {
  runInProcess(message, message.tasks, (scenario) => process.send!({ done: scenario })).then(
    (results) => process.send!({ results: results.map((result) => ({ ...result, timeline: undefined })) }),
    (error) => process.send!({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
