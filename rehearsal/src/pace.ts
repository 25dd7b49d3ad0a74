import { PlatformWiring } from './platform-wiring';

/** The orchestrator's pace as the templates set it, for a late page or promotion. */
export function orchestratorPace(wiring: PlatformWiring): string {
  const env = wiring.orchestrator.environment;
  return `ScheduleExpression every ${wiring.orchestrator.schedulePeriodSeconds} s; PROBE_COUNT ${env.PROBE_COUNT}, PROBE_INTERVAL_SECONDS ${env.PROBE_INTERVAL_SECONDS}, PROBE_TIMEOUT_SECONDS ${env.PROBE_TIMEOUT_SECONDS}, VETO_TIMEOUT_SECONDS ${env.VETO_TIMEOUT_SECONDS}, MINIMUM_OUTAGE_SECONDS ${env.MINIMUM_OUTAGE_SECONDS}, PROBE_WINDOW_SECONDS ${env.PROBE_WINDOW_SECONDS}, TRAFFIC_WAIT_SECONDS ${env.TRAFFIC_WAIT_SECONDS}`;
}
