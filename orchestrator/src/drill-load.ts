/**
 * The drill's write load: the load generator (`npm run load`) started and stopped by the drill, so
 * its report gives the write path as traders see it next to the control-plane timings.
 */
import { LoadReport, missingAcknowledged, runLoad } from '../../loadgen/src/load';
import { WriteLoad } from './drill';

export interface DrillLoadOptions {
  /** Base URL of the application name, e.g. https://app.trading.example.net. */
  readonly url: string;
  readonly ratePerSecond: number;
  /** Upper bound of the run, whatever happens to the drill. */
  readonly maxDurationMs: number;
  readonly progress: (message: string) => void;
  /** Seconds between progress lines. @default 10 */
  readonly progressEverySeconds?: number;
  /** @default global fetch */
  readonly fetch?: typeof fetch;
}

export function drillWriteLoad(options: DrillLoadOptions): WriteLoad {
  const stop = new AbortController();
  let run: Promise<LoadReport> | undefined;
  let ticks = 0;
  return {
    start: () => {
      run = runLoad({
        url: options.url,
        ratePerSecond: options.ratePerSecond,
        durationMs: options.maxDurationMs,
        runId: `drill-${Date.now().toString(36)}`,
        signal: stop.signal,
        fetch: options.fetch,
        onProgress: (progress) => {
          if (++ticks % (options.progressEverySeconds ?? 10) !== 0) return;
          options.progress(
            `write load: ${progress.acknowledged} acknowledged ${JSON.stringify(progress.byRegion)}, ${progress.failedAttempts} failed attempts, ${progress.inFlight} in flight`,
          );
        },
      });
    },
    finish: async () => {
      if (!run) throw new Error('the write load was never started');
      stop.abort();
      const report = await run;
      const missing = await missingAcknowledged(options.url, report.acks, options.fetch);
      return {
        ratePerSecond: options.ratePerSecond,
        acknowledged: report.acknowledged,
        abandoned: report.abandoned,
        longestGapSeconds: Math.round(report.longestGapMs / 100) / 10,
        lostAcknowledged: missing.length,
        byRegion: report.byRegion,
      };
    },
  };
}
