/**
 * The drill's write load: the load generator (`npm run load`) started and stopped by the drill, so
 * its report gives the write path as traders see it next to the control-plane timings.
 */
import { LoadReport, missingAcknowledged, Outage, runLoad } from '../../loadgen/src/load';
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
      const counts = { ratePerSecond: options.ratePerSecond, acknowledged: report.acknowledged, abandoned: report.abandoned, byRegion: report.byRegion };
      const { outage } = report;
      // An RTO and an RPO need acknowledged writes on both sides of the outage (loadgen/src/load.ts).
      if (outage.kind !== 'measured') return { ...counts, unmeasured: unmeasuredReason(outage) };
      const missing = await missingAcknowledged(options.url, report.acks, options.fetch);
      return { ...counts, longestGapSeconds: Math.round(outage.gapMs / 100) / 10, lostAcknowledged: missing.length };
    },
  };
}

function unmeasuredReason(outage: Exclude<Outage, { kind: 'measured' }>): string {
  switch (outage.kind) {
    case 'no-acknowledgements':
      return 'no order was acknowledged';
    case 'one-acknowledgement':
      return 'only one order was acknowledged';
    case 'began-before-run':
      return `writes failed from the start for ${(outage.waitedMs / 1000).toFixed(1)} s: the outage began before the load`;
    case 'not-resumed':
      return `writes had not resumed when the load stopped (at least ${(outage.atLeastMs / 1000).toFixed(1)} s without an acknowledgement)`;
  }
}
