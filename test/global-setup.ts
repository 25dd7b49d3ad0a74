/** jest's global setup: the real CLI synth of each checked-in environment, once, shared by every test file. */
import { synthesizeAllShared } from './assemblies';

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const directories = await synthesizeAllShared();
  process.stdout.write(`\nshared cdk synth (${Object.keys(directories).join(', ')}): ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
