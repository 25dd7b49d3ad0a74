/**
 * `npm run verify-deployment`: what only AWS can answer about a deployed environment, as named
 * checks. Each reads through a port (an SDK client in production, a fake in tests) and reports
 * pass, fail or skipped (with why) and the calls it made. What needs the database's network runs in
 * a one-off task inside each region's VPC (service/src/verify-database.ts); what needs EventBridge's
 * permissions is proven by a canary delivery.
 */
import { ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { GetHealthCheckStatusCommand, GetHostedZoneCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { GetBucketReplicationCommand } from '@aws-sdk/client-s3';
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { DELIVERY_CANARY_DETAIL_TYPE, DELIVERY_CANARY_SOURCE } from './delivery-canary';
import { PlatformNames, SIGNAL_RECORD_NAME } from '../../lib/naming';
import { AvailabilityZonesPort, checkAvailabilityZones } from './availability-zones';
import { describeGlobalCluster, writerRegion } from './global-cluster';
import { sdkCertificatePort } from '../../cleanup/src/validation-records-handler';
import type { ACMClient } from '@aws-sdk/client-acm';
import { isPauseValue } from './orchestrator';
import { DnsPort } from './dns';
import { PublishCommand } from '@aws-sdk/client-sns';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DatabaseCheckName, DatabaseCheckResult, parseResultLines } from '../../service/src/verify-database';
import { CommandPort, runOneOffTask, stackOutput as outputOf, taskLogLines } from './one-off-task';

/** Any SDK client: the checks send commands and read the answers. */
export interface AwsPort {
  send(command: any, options?: { abortSignal?: AbortSignal }): Promise<any>;
}

/** What the checks read from, per region where the service is regional. */
export interface VerifyPorts {
  readonly acm: (region: string) => AwsPort;
  readonly cloudformation: (region: string) => AwsPort;
  readonly cloudwatch: (region: string) => AwsPort;
  readonly eventbridge: (region: string) => AwsPort;
  readonly sqs: (region: string) => AwsPort;
  readonly rds: (region: string) => AwsPort;
  readonly route53: AwsPort;
  readonly s3: (region: string) => AwsPort;
  readonly ssm: (region: string) => AwsPort;
  readonly scheduler: (region: string) => AwsPort;
  readonly ecs: (region: string) => CommandPort;
  readonly logs: (region: string) => CommandPort;
  readonly sns: (region: string) => CommandPort;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  readonly ec2: (region: string) => AvailabilityZonesPort;
  /** A nonce for the canary event (random in production). */
  readonly nonce: () => string;
  /** How long the canary check reads each queue. @default CANARY_POLLS long polls of CANARY_WAIT_SECONDS */
  readonly canaryPolling?: { readonly polls: number; readonly waitSeconds: number };
  /** GET `url` with `serverName` as TLS SNI and Host (the application's name, the one its certificate holds). */
  readonly probe: (url: string, serverName: string) => Promise<{ status: number }>;
  /** The orchestrator's own DNS adapter: what it asks the zone's name servers, this check asks too. */
  readonly dns: DnsPort;
}

/** The environment being verified (from its configuration). */
export interface VerifyTarget {
  readonly suffix: string;
  readonly domainName: string;
  readonly protocol: 'http' | 'https';
  readonly readinessPath: string;
  readonly primaryRegion: string;
  readonly secondaryRegion: string;
  readonly availabilityZones: { readonly primary: readonly string[]; readonly secondary: readonly string[] };
  /** The existing zone's name servers as configured (`hostedZoneNameServers`). @default - the platform created the zone */
  readonly nameServers?: readonly string[];
  /** Run master-password-login, which reads the master secret (and so pages on-call). @default false */
  readonly breakGlass?: boolean;
}

export type CheckStatus = 'pass' | 'fail' | 'skipped';

export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  /** Why it passed, failed or was skipped. */
  readonly detail: string;
  /** The AWS calls or request it made. */
  readonly calls: string;
}

/** One named check. */
export interface VerifyCheck {
  readonly name: string;
  readonly description: string;
  readonly calls: string;
  run(target: VerifyTarget, ports: VerifyPorts): Promise<Omit<CheckResult, 'name' | 'calls'>>;
}

const pass = (detail: string) => ({ status: 'pass' as const, detail });
const fail = (detail: string) => ({ status: 'fail' as const, detail });
const ROLES = ['primary', 'secondary'] as const;

/** An output of the environment's stack: one reader for every tool (one-off-task.ts). */
function stackOutput(ports: VerifyPorts, region: string, stackName: string, key: string): Promise<string> {
  return outputOf(ports.cloudformation(region), stackName, region, key);
}

const regionOf = (target: VerifyTarget, role: 'primary' | 'secondary') => (role === 'primary' ? target.primaryRegion : target.secondaryRegion);

/**
 * A run reports when it ends, after its 400 s probe window (up to its 897 s timeout while a promotion
 * is under way), and the next starts within two minutes: this long without a report means it does
 * not run (the orchestrator-not-running alarm's two 10-minute periods too).
 */
const ORCHESTRATOR_SILENCE_MINUTES = 20;
/** The decisions of a healthy environment: the primary answers, or the failover is done. */
const HEALTHY_DECISIONS: readonly string[] = ['primary-answers', 'already-promoted'];

/** Route 53 counts a health check healthy when more than 18 % of its checkers report it healthy (Route 53 Developer Guide, *How Route 53 determines whether a health check is healthy*). */
export const ROUTE53_HEALTHY_SHARE = 0.18;

export const CHECKS: readonly VerifyCheck[] = [
  ...ROLES.map((role): VerifyCheck => ({
    name: `ready-${role}`,
    description: `the ${role} region's load balancer answers ${'`'}/ready${'`'} with 200 for the application's name`,
    calls: `cloudformation:DescribeStacks (LoadBalancerDnsName), GET <protocol>://<load balancer>/ready with SNI and Host app.<domainName>`,
    run: async (target, ports) => {
      const names = new PlatformNames(target.suffix);
      const dns = await stackOutput(ports, regionOf(target, role), names.stack('service', role), 'LoadBalancerDnsName');
      const { status } = await ports.probe(`${target.protocol}://${dns}${target.readinessPath}`, `app.${target.domainName}`);
      return status === 200 ? pass(`${dns} answered 200`) : fail(`${dns} answered ${status}: the ${role} service is not ready`);
    },
  })),
  {
    name: 'route53-health-checks',
    description: 'both Route 53 health checks are healthy (more than 18 % of the checkers report success)',
    calls: 'cloudformation:DescribeStacks (PrimaryHealthCheckId, SecondaryHealthCheckId), route53:GetHealthCheckStatus',
    run: async (target, ports) => {
      const names = new PlatformNames(target.suffix);
      const reports: string[] = [];
      let healthy = true;
      for (const [role, key] of [
        ['primary', 'PrimaryHealthCheckId'],
        ['secondary', 'SecondaryHealthCheckId'],
      ] as const) {
        const id = await stackOutput(ports, target.primaryRegion, names.stack('dns'), key);
        const observations = (await ports.route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }))).HealthCheckObservations ?? [];
        // The API reference shows reports as "Success: HTTP Status Code 200, OK" and "Failure: ..."
        // (GetHealthCheckStatus example) but defines no format: anything else counts as not healthy,
        // so a change in wording fails this check loudly rather than passing it.
        const successes = observations.filter((observation: any) => String(observation.StatusReport?.Status ?? '').startsWith('Success')).length;
        const ok = observations.length > 0 && successes / observations.length > ROUTE53_HEALTHY_SHARE;
        healthy &&= ok;
        reports.push(`${role} ${id}: ${successes} of ${observations.length} checkers report success${ok ? '' : ' (UNHEALTHY)'}`);
      }
      return healthy ? pass(reports.join('; ')) : fail(reports.join('; '));
    },
  },
  {
    name: 'hosted-zone',
    description:
      "the hosted zone is domainName's, and its name servers are the ones the orchestrator asks (the stack's output, or hostedZoneNameServers for an existing zone)",
    calls: 'cloudformation:DescribeStacks (HostedZoneId, HostedZoneNameServers), route53:GetHostedZone',
    run: async (target, ports) => {
      const names = new PlatformNames(target.suffix);
      const zoneId = await stackOutput(ports, target.primaryRegion, names.stack('dns'), 'HostedZoneId');
      const asked = await stackOutput(ports, target.primaryRegion, names.stack('dns'), 'HostedZoneNameServers');
      const zone = await ports.route53.send(new GetHostedZoneCommand({ Id: zoneId }));
      const actual: string[] = (zone.DelegationSet?.NameServers ?? []).map((server: string) => server.replace(/\.$/, '')).sort();
      const expected = [...(target.nameServers ?? asked.split(','))].map((server) => server.replace(/\.$/, '')).sort();
      const problems = [
        ...(zone.HostedZone?.Name !== `${target.domainName}.` ? [`zone ${zoneId} is ${zone.HostedZone?.Name}, not ${target.domainName}.`] : []),
        ...(JSON.stringify(actual) !== JSON.stringify(expected)
          ? [`its name servers are ${actual.join(', ')}; the orchestrator asks ${expected.join(', ')}`]
          : []),
      ];
      return problems.length === 0 ? pass(`${zoneId} (${target.domainName}) served by ${actual.join(', ')}`) : fail(problems.join('; '));
    },
  },
  {
    name: 'weighted-records',
    description: 'app.<domainName> has the two weighted alias records, primary 100 and secondary 0, each with its health check',
    calls: 'cloudformation:DescribeStacks (HostedZoneId), route53:ListResourceRecordSets',
    run: async (target, ports) => {
      const names = new PlatformNames(target.suffix);
      const zone = await stackOutput(ports, target.primaryRegion, names.stack('dns'), 'HostedZoneId');
      const name = `app.${target.domainName}.`;
      const sets =
        (await ports.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone, StartRecordName: name, StartRecordType: 'A' }))).ResourceRecordSets ??
        [];
      const records = sets.filter((set: any) => set.Name === name && set.Type === 'A');
      const weight = (id: string) => records.find((record: any) => record.SetIdentifier === id);
      const problems = [
        ...(['primary', 'secondary'] as const).flatMap((id) => {
          const record = weight(id);
          const expected = id === 'primary' ? 100 : 0;
          if (!record) return [`no ${id} record`];
          return [
            ...(record.Weight !== expected ? [`${id} weight ${record.Weight}, configured ${expected}`] : []),
            ...(!record.HealthCheckId ? [`${id} record has no health check`] : []),
            ...(!record.AliasTarget ? [`${id} record is not an alias`] : []),
          ];
        }),
        ...(records.length !== 2 ? [`${records.length} A records for ${name}, expected 2`] : []),
      ];
      return problems.length === 0
        ? pass(`${name}: primary 100, secondary 0, both with health checks`)
        : fail(`${name}: ${problems.join('; ')} (a hand edit? npx cdk deploy GlobalTraffic restores them)`);
    },
  },
  {
    name: 'failover-signal',
    description:
      "_failover.app.<domainName> answers the primary region from the zone's authoritative name servers: what the orchestrator reads as Route 53's verdict (a standby answer there would start a promotion)",
    calls: 'cloudformation:DescribeStacks (HostedZoneNameServers), DNS A queries for the name servers, a TXT query to them',
    run: async (target, ports) => {
      const names = new PlatformNames(target.suffix);
      const servers = target.nameServers ?? (await stackOutput(ports, target.primaryRegion, names.stack('dns'), 'HostedZoneNameServers')).split(',');
      const addresses = (await Promise.all(servers.map((server) => ports.dns.resolve4(server.trim())))).flat();
      const name = `${SIGNAL_RECORD_NAME}.${target.domainName}`;
      const values = await ports.dns.resolveTxtAt(addresses, name).catch((error: unknown) => error as Error);
      if (values instanceof Error) return fail(`${name} does not resolve at ${servers.join(', ')}: ${values.message} (deploy GlobalTraffic)`);
      return values.length === 1 && values[0] === target.primaryRegion
        ? pass(`${name} answers ${target.primaryRegion} at ${servers.join(', ')}`)
        : fail(
            `${name} answers ${values.join(', ') || 'nothing'}, not ${target.primaryRegion}: Route 53 holds the primary unhealthy at the fast checks (see its signal health check), and the orchestrator will promote once its own probes fail`,
          );
    },
  },
  {
    name: 'certificate-validation-records',
    description:
      "each region's issued certificate for app.<domainName> has its DNS validation record in the zone, which ACM renews through (one record both regions share, owned by neither)",
    calls: 'acm:ListCertificates, acm:DescribeCertificate, acm:ListTagsForCertificate in each region, route53:ListResourceRecordSets',
    run: async (target, ports) => {
      if (target.protocol !== 'https') return { status: 'skipped', detail: 'protocol http: no certificate to renew' };
      const names = new PlatformNames(target.suffix);
      const zone = await stackOutput(ports, target.primaryRegion, names.stack('dns'), 'HostedZoneId');
      const application = `app.${target.domainName}`;
      const problems: string[] = [];
      const found: string[] = [];
      for (const role of ROLES) {
        const region = regionOf(target, role);
        // The same reader as the records' publisher (cleanup/src/validation-records-handler.ts).
        const issued = (await sdkCertificatePort(ports.acm(region) as Pick<ACMClient, 'send'>).certificatesFor(application)).filter(
          (certificate) => certificate.status === 'ISSUED',
        );
        if (issued.length === 0) problems.push(`no issued certificate for ${application} in ${region}`);
        for (const { arn, records } of issued) {
          if (records.length === 0) problems.push(`${arn} has no DNS validation record: ACM cannot renew it without a human`);
          for (const record of records) {
            const sets =
              (await ports.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone, StartRecordName: record.name, StartRecordType: 'CNAME' })))
                .ResourceRecordSets ?? [];
            const present = sets.some(
              (set: any) =>
                set.Type === 'CNAME' &&
                String(set.Name).toLowerCase() === String(record.name).toLowerCase() &&
                (set.ResourceRecords ?? []).some((value: any) => String(value.Value).replace(/\.$/, '') === String(record.value).replace(/\.$/, '')),
            );
            if (present) found.push(`${region} ${record.name}`);
            else problems.push(`${arn} renews through ${record.name} CNAME ${record.value}, which zone ${zone} does not hold`);
          }
        }
      }
      return problems.length === 0 ? pass(`validation records present: ${found.join(', ')}`) : fail(problems.join('; '));
    },
  },
  {
    name: 'global-cluster',
    description: 'the global cluster has both clusters, exactly one writer, and the other forwards writes (GlobalWriteForwardingStatus enabled)',
    calls: 'rds:DescribeGlobalClusters',
    run: async (target, ports) => {
      const names = new PlatformNames(target.suffix);
      const cluster = await describeGlobalCluster(ports.rds(target.secondaryRegion) as any, names.auroraGlobalCluster());
      const members = cluster?.GlobalClusterMembers ?? [];
      const writers = members.filter((member) => member.IsWriter);
      if (members.length !== 2 || writers.length !== 1)
        return fail(`${names.auroraGlobalCluster()} has ${members.length} member(s) and ${writers.length} writer(s); expected 2 and 1`);
      const reader = members.find((member) => !member.IsWriter)!;
      const writerRegion = writers[0].DBClusterArn?.split(':')[3];
      if (writerRegion !== target.primaryRegion) {
        // Only the secondary cluster forwards writes (README, Data layer): after a failover the old
        // primary is the reader and forwards nothing until the failback.
        return pass(`failed over: the writer is in ${writerRegion}; the old primary (${reader.DBClusterArn}) does not forward writes until the failback`);
      }
      if (reader.GlobalWriteForwardingStatus !== 'enabled') {
        return fail(
          `the reader ${reader.DBClusterArn} has write forwarding ${reader.GlobalWriteForwardingStatus ?? 'unset'}: the standby's service cannot write through it`,
        );
      }
      return pass(`writer in ${writerRegion}; the standby forwards writes`);
    },
  },
  {
    name: 'replication-lag-metric',
    description:
      'Aurora publishes AuroraGlobalDBReplicationLag for the secondary cluster with the dimension the lag alarm watches (DBClusterIdentifier), so the alarm has data',
    calls: 'rds:DescribeGlobalClusters, cloudwatch:ListMetrics (AWS/RDS, secondary region)',
    run: async (target, ports) => {
      const names = new PlatformNames(target.suffix);
      if ((await writerRegionOf(target, ports)) !== target.primaryRegion)
        return { status: 'skipped', detail: 'failed over: the secondary cluster is the writer and replicates from nothing until the failback' };
      const list = (dimensions?: Array<{ Name: string; Value: string }>) =>
        ports
          .cloudwatch(target.secondaryRegion)
          .send(new ListMetricsCommand({ Namespace: 'AWS/RDS', MetricName: 'AuroraGlobalDBReplicationLag', Dimensions: dimensions, RecentlyActive: 'PT3H' }));
      const watched = { Name: 'DBClusterIdentifier', Value: names.auroraCluster('secondary') };
      const found = (await list([watched])).Metrics ?? [];
      if (found.length > 0) return pass(`published for ${watched.Name}=${watched.Value} in ${target.secondaryRegion}`);
      const published = ((await list()).Metrics ?? []).map((metric: any) =>
        (metric.Dimensions ?? []).map((dimension: any) => `${dimension.Name}=${dimension.Value}`).join(','),
      );
      return fail(
        `no AuroraGlobalDBReplicationLag for ${watched.Name}=${watched.Value} in the last 3 hours; Aurora publishes it for ${published.length > 0 ? published.join('; ') : 'nothing'}: the lag alarm (alarm-aurora-replication-lag) would have no data`,
      );
    },
  },
  {
    name: 'parameter-groups-in-sync',
    description:
      "every instance's cluster parameter group is in-sync (pending-reboot: static parameters such as rds.force_ssl are not applied yet; docs/upgrades.md)",
    calls: 'rds:DescribeDBClusters in each region',
    run: async (target, ports) => {
      const names = new PlatformNames(target.suffix);
      const pending: string[] = [];
      let instances = 0;
      for (const role of ROLES) {
        const cluster = (await ports.rds(regionOf(target, role)).send(new DescribeDBClustersCommand({ DBClusterIdentifier: names.auroraCluster(role) })))
          .DBClusters?.[0];
        if ((cluster?.DBClusterMembers ?? []).length === 0) pending.push(`${names.auroraCluster(role)} has no instance`);
        for (const member of cluster?.DBClusterMembers ?? []) {
          instances += 1;
          if (member.DBClusterParameterGroupStatus !== 'in-sync')
            pending.push(`${member.DBInstanceIdentifier} (${role}) ${member.DBClusterParameterGroupStatus}`);
        }
      }
      return pending.length === 0
        ? pass(`${instances} instances in-sync`)
        : fail(`${pending.join(', ')}: reboot them as docs/upgrades.md describes (orchestrator paused, readers first)`);
    },
  },
  {
    name: 'bucket-replication',
    description:
      "both files buckets replicate: the primary's rule to the secondary bucket with Replication Time Control, and the reverse rule (applied outside CloudFormation)",
    calls: 'cloudformation:DescribeStacks (FilesBucketName), s3:GetBucketReplication in each region',
    run: async (target, ports) => {
      const names = new PlatformNames(target.suffix);
      const buckets = {
        primary: await stackOutput(ports, target.primaryRegion, names.stack('foundation', 'primary'), 'FilesBucketName'),
        secondary: await stackOutput(ports, target.secondaryRegion, names.stack('foundation', 'secondary'), 'FilesBucketName'),
      };
      const problems: string[] = [];
      for (const role of ROLES) {
        const other = buckets[role === 'primary' ? 'secondary' : 'primary'];
        let rules: any[] = [];
        try {
          rules =
            (await ports.s3(regionOf(target, role)).send(new GetBucketReplicationCommand({ Bucket: buckets[role] }))).ReplicationConfiguration?.Rules ?? [];
        } catch (error) {
          if ((error as { name?: string }).name !== 'ReplicationConfigurationNotFoundError') throw error;
        }
        const rule = rules.find((candidate) => candidate.Status === 'Enabled' && candidate.Destination?.Bucket === `arn:aws:s3:::${other}`);
        if (!rule) problems.push(`${buckets[role]} has no enabled rule to ${other}`);
        else if (role === 'primary' && rule.Destination?.ReplicationTime?.Status !== 'Enabled')
          problems.push(`${buckets[role]}'s rule has no Replication Time Control`);
      }
      return problems.length === 0 ? pass(`${buckets.primary} ⇄ ${buckets.secondary}`) : fail(problems.join('; '));
    },
  },
  {
    name: 'orchestrator-schedule',
    description: "the failover orchestrator's schedule is enabled and its pause switch is not set",
    calls: 'scheduler:GetSchedule, ssm:GetParameter (secondary region)',
    run: async (target, ports) => {
      const names = new PlatformNames(target.suffix);
      const schedule = await ports.scheduler(target.secondaryRegion).send(new GetScheduleCommand({ Name: names.schedule('failover-orchestrator') }));
      let paused: string | undefined;
      try {
        paused = (await ports.ssm(target.secondaryRegion).send(new GetParameterCommand({ Name: names.parameter('failover/paused') }))).Parameter?.Value;
      } catch (error) {
        // Absent counts as not paused, as the orchestrator reads it.
        if ((error as { name?: string }).name !== 'ParameterNotFound') throw error;
      }
      const problems = [
        ...(schedule.State !== 'ENABLED' ? [`schedule ${names.schedule('failover-orchestrator')} is ${schedule.State}`] : []),
        ...(isPauseValue(paused) ? [`${names.parameter('failover/paused')} is ${paused}: automatic failover is paused`] : []),
      ];
      return problems.length === 0 ? pass(`schedule ${schedule.ScheduleExpression} enabled, not paused`) : fail(problems.join('; '));
    },
  },
  {
    name: 'eventbridge-encrypted-delivery',
    description:
      "EventBridge delivers a canary event to a topic and a queue encrypted with each region's data key and admitted by the same code as the alarm topic and the events queue (no one is paged)",
    calls: 'events:PutEvents on the platform bus, sqs:GetQueueUrl, sqs:ReceiveMessage, sqs:DeleteMessage in each region',
    run: async (target, ports) => {
      const names = new PlatformNames(target.suffix);
      const polling = ports.canaryPolling ?? { polls: CANARY_POLLS, waitSeconds: CANARY_WAIT_SECONDS };
      const delivered: string[] = [];
      const missing: string[] = [];
      await Promise.all(
        ROLES.map(async (role) => {
          const region = regionOf(target, role);
          const nonce = ports.nonce();
          const put = await ports.eventbridge(region).send(
            new PutEventsCommand({
              Entries: [
                {
                  EventBusName: names.eventBus(),
                  Source: DELIVERY_CANARY_SOURCE,
                  DetailType: DELIVERY_CANARY_DETAIL_TYPE,
                  Detail: JSON.stringify({ nonce, region }),
                },
              ],
            }),
          );
          if ((put.FailedEntryCount ?? 0) > 0) {
            missing.push(`${region}: PutEvents refused the canary (${put.Entries?.[0]?.ErrorCode ?? 'no code'}: ${put.Entries?.[0]?.ErrorMessage ?? ''})`);
            return;
          }
          const legs = [
            {
              queue: names.queue('delivery-canary', role),
              what: `the encrypted queue ${names.queue('delivery-canary', role)}`,
              suspects: "the data key's statement for the bus's rules (AllowEventBridgeToDeliverToEncryptedQueues) or the queue's policy",
            },
            {
              queue: names.queue('delivery-canary-readback', role),
              what: `the encrypted topic ${names.canaryTopic(role)} (read back through ${names.queue('delivery-canary-readback', role)})`,
              suspects:
                "the data key's statement for the topic (AllowDeliveryCanaryToPublishToEncryptedTopic), the topic's policy, or the read-back subscription",
            },
          ];
          for (const leg of legs) {
            if (await receiveCanary(ports.sqs(region), leg.queue, nonce, polling)) delivered.push(`${region} ${leg.what}`);
            else
              missing.push(
                `${region}: no canary reached ${leg.what} within ${polling.polls * polling.waitSeconds} s: suspect ${leg.suspects} (the canary rule's FailedInvocations metric counts EventBridge's failures)`,
              );
          }
        }),
      );
      return missing.length === 0 ? pass(`delivered to ${delivered.sort().join('; ')}`) : fail(missing.sort().join('; '));
    },
  },
  {
    name: 'database-iam-login',
    description:
      "in each region, from inside its VPC: the canary role (IAM-only, as the application's; the application's own login is what ready-* answers) logs in with an IAM token over verified TLS, rds.force_ssl is on, and the same login without TLS is refused by the server",
    calls: 'rds:DescribeGlobalClusters, ecs:RunTask of DatabaseVerifyTaskDefinition in each region, ecs:DescribeTasks, logs:GetLogEvents',
    run: async (target, ports) => {
      const runs = await databaseVerifyRuns(target, ports);
      const outcomes = runs.map((run) => ({ region: run.region, result: resultOf(run, 'database-iam-login') }));
      const failed = outcomes.filter((outcome) => outcome.result.status !== 'pass');
      const detail = outcomes.map((outcome) => `${outcome.region}: ${outcome.result.detail}`).join('; ');
      return failed.length === 0 ? pass(detail) : fail(detail);
    },
  },
  {
    name: 'forwarded-write-canary',
    description:
      "through the standby's reader endpoint, the canary role inserts (INSERT ... ON CONFLICT ... RETURNING), reads back and deletes a row of the canary table, and cannot read the orders; the writer's region does the same directly",
    calls: 'the database verify task of database-iam-login (the same runs)',
    run: async (target, ports) => {
      const runs = await databaseVerifyRuns(target, ports);
      const failedOver = runs.find((run) => !run.forwarding)?.region !== target.primaryRegion;
      const outcomes = runs.map((run) => {
        const result = resultOf(run, 'forwarded-write-canary');
        // After a failover the old primary forwards nothing until the failback (global-cluster).
        if (failedOver && run.forwarding)
          return { region: run.region, status: 'skipped' as const, detail: 'failed over: the old primary forwards no writes until the failback' };
        return { region: run.region, status: result.status, detail: result.detail };
      });
      const detail = outcomes.map((outcome) => `${outcome.region}: ${outcome.detail}`).join('; ');
      return outcomes.some((outcome) => outcome.status === 'fail') ? fail(detail) : pass(detail);
    },
  },
  {
    name: 'master-password-login',
    description:
      "break-glass only (--break-glass): the master logs in with its password over TLS and does not hold rds_iam. It runs the bootstrap task's definition, which reads the master secret: that read pages on-call by design, so the command first tells the alarm topic which check it is",
    calls:
      'sns:Publish to the alarm topic, ecs:RunTask of DatabaseBootstrapTaskDefinition (command --master) in the writer region, ecs:DescribeTasks, logs:GetLogEvents',
    run: async (target, ports) => {
      if (!target.breakGlass) return { status: 'skipped', detail: 'break-glass only (--break-glass): it reads the master secret, which pages on-call' };
      const names = new PlatformNames(target.suffix);
      const writerRegion = await writerRegionOf(target, ports);
      const role = writerRegion === target.primaryRegion ? 'primary' : 'secondary';
      const topicArn = await outputOf(ports.cloudformation(writerRegion), names.stack('foundation', role), writerRegion, 'AlarmTopicArn');
      await ports.sns(writerRegion).send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: `verify-deployment master-password-login (${target.suffix})`,
          Message: `npm run verify-deployment -- --break-glass is reading the master secret of ${target.suffix} in ${writerRegion} now, to check the master's password login (check master-password-login). The secret-read alarm that follows is this check.`,
        }),
      );
      const run = await runDatabaseTask(target, ports, writerRegion, role, {
        taskDefinitionOutput: 'DatabaseBootstrapTaskDefinition',
        containerName: 'bootstrap',
        logGroupName: names.logGroup('db-bootstrap', role),
        streamPrefix: 'bootstrap',
        command: ['node', 'dist/verify-database-cli.js', '--master'],
      });
      const result = resultOf({ ...run, forwarding: false }, 'master-password-login');
      return result.status === 'pass' ? pass(`${writerRegion}: ${result.detail}`) : fail(`${writerRegion}: ${result.detail}`);
    },
  },
  {
    name: 'orchestrator-last-decision',
    description: `the failover orchestrator reported a run within the last ${ORCHESTRATOR_SILENCE_MINUTES} minutes (each run watches for 400 s) and its last decision was that the primary answers (or, after a failover, that the secondary already is the writer)`,
    calls: "logs:FilterLogEvents on the orchestrator's log group (secondary region), for its run reports ({ $.Runs = 1 })",
    run: async (target, ports) => {
      const names = new PlatformNames(target.suffix);
      const logGroupName = `/aws/lambda/${names.lambdaFunction('failover-orchestrator')}`;
      const since = ports.now() - ORCHESTRATOR_SILENCE_MINUTES * 60_000;
      let last: { timestamp: number; message: string } | undefined;
      let nextToken: string | undefined;
      do {
        const page = await ports
          .logs(target.secondaryRegion)
          .send(new FilterLogEventsCommand({ logGroupName, filterPattern: '{ $.Runs = 1 }', startTime: since, nextToken }));
        for (const event of page.events ?? []) if (!last || event.timestamp > last.timestamp) last = { timestamp: event.timestamp, message: event.message };
        nextToken = page.nextToken;
      } while (nextToken);
      if (!last)
        return fail(
          `no run report in ${logGroupName} for ${ORCHESTRATOR_SILENCE_MINUTES} minutes: the orchestrator is not running (see orchestrator-schedule)`,
        );
      const report = JSON.parse(last.message) as { Decision?: string; time?: string };
      const age = Math.round((ports.now() - last.timestamp) / 1000);
      const detail = `last run ${age} s ago decided ${report.Decision}`;
      return HEALTHY_DECISIONS.includes(String(report.Decision))
        ? pass(detail)
        : fail(`${detail}: the orchestrator sees a problem (its log group ${logGroupName} says which)`);
    },
  },
  {
    name: 'availability-zones',
    description: 'the configured availability zones exist in this account and are not unavailable',
    calls: 'ec2:DescribeAvailabilityZones in each region',
    run: async (target, ports) => {
      const { problems, warnings } = await checkAvailabilityZones(
        [
          { key: 'primaryAvailabilityZones', region: target.primaryRegion, zones: target.availabilityZones.primary },
          { key: 'secondaryAvailabilityZones', region: target.secondaryRegion, zones: target.availabilityZones.secondary },
        ],
        ports.ec2,
      );
      if (problems.length > 0) return fail([...problems, ...warnings].join('; '));
      return pass(warnings.length > 0 ? `with warnings: ${warnings.join('; ')}` : 'all six zones available');
    },
  },
];

/** One region's run of the database verify task. */
interface DatabaseRun {
  readonly region: string;
  /** The region's cluster is a reader (the task checked the forwarding path). */
  readonly forwarding: boolean;
  readonly taskArn: string;
  readonly exitCode: number | undefined;
  readonly stoppedReason?: string;
  readonly logGroupName: string;
  readonly results: readonly DatabaseCheckResult[];
}

/** Reads of a stopped task's log stream before its missing results count as missing. */
const LOG_READ_ATTEMPTS = 4;
const LOG_READ_PAUSE_MS = 5_000;

/** Pulling the image and logging in take a minute or two; more means something is stuck. */
const DATABASE_TASK_TIMEOUT_MS = 10 * 60_000;

function writerRegionOf(target: VerifyTarget, ports: VerifyPorts): Promise<string> {
  return writerRegion(ports.rds(target.secondaryRegion) as any, new PlatformNames(target.suffix).auroraGlobalCluster(), '');
}

async function runDatabaseTask(
  target: VerifyTarget,
  ports: VerifyPorts,
  region: string,
  role: 'primary' | 'secondary',
  task: { taskDefinitionOutput: string; containerName: string; logGroupName: string; streamPrefix: string; command?: string[] },
): Promise<Omit<DatabaseRun, 'forwarding'>> {
  const names = new PlatformNames(target.suffix);
  const run = await runOneOffTask(
    {
      names,
      region,
      role,
      taskDefinitionOutput: task.taskDefinitionOutput,
      containerName: task.containerName,
      startedBy: 'verify-deployment',
      description: 'database verify',
      command: task.command,
      timeoutMs: DATABASE_TASK_TIMEOUT_MS,
    },
    { cloudformation: ports.cloudformation, ecs: ports.ecs, sleep: ports.sleep, now: ports.now, progress: () => undefined },
  );
  // CloudWatch Logs may not hold a stopped task's last lines yet: read again, briefly, until its results are in.
  let results: DatabaseCheckResult[] = [];
  for (let attempt = 0; attempt < LOG_READ_ATTEMPTS && results.length === 0; attempt++) {
    if (attempt > 0) await ports.sleep(LOG_READ_PAUSE_MS);
    results = parseResultLines(await taskLogLines(ports.logs(region), task.logGroupName, task.streamPrefix, task.containerName, run.taskArn));
  }
  return { ...run, logGroupName: task.logGroupName, results };
}

/** The two checks that read the database share one task run per region and per verify run. */
const databaseRunsOf = new WeakMap<VerifyPorts, Promise<DatabaseRun[]>>();

function databaseVerifyRuns(target: VerifyTarget, ports: VerifyPorts): Promise<DatabaseRun[]> {
  if (!databaseRunsOf.has(ports)) {
    const names = new PlatformNames(target.suffix);
    databaseRunsOf.set(
      ports,
      writerRegionOf(target, ports).then((writerRegion) =>
        Promise.all(
          ROLES.map(async (role): Promise<DatabaseRun> => {
            const region = regionOf(target, role);
            const forwarding = region !== writerRegion;
            const run = await runDatabaseTask(target, ports, region, role, {
              taskDefinitionOutput: 'DatabaseVerifyTaskDefinition',
              containerName: 'verify',
              logGroupName: names.logGroup('db-verify', role),
              streamPrefix: 'verify',
              command: forwarding ? ['node', 'dist/verify-database-cli.js', '--expect-forwarding'] : undefined,
            });
            return { ...run, forwarding };
          }),
        ),
      ),
    );
  }
  return databaseRunsOf.get(ports)!;
}

/** The task's result for `name`, or a failure that says where to look when it reported none. */
function resultOf(run: DatabaseRun, name: DatabaseCheckName): DatabaseCheckResult {
  return (
    run.results.find((result) => result.name === name) ?? {
      name,
      status: 'fail',
      detail: `the task ${run.taskArn} reported no ${name} (exit code ${run.exitCode ?? 'none'}${run.stoppedReason ? `, ${run.stoppedReason}` : ''}; its log group ${run.logGroupName})`,
    }
  );
}

/** Long polls per canary queue, and their length: EventBridge delivers within seconds when it may. */
export const CANARY_POLLS = 6;
export const CANARY_WAIT_SECONDS = 10;

/** Reads the queue until the message carrying `nonce` arrives (and deletes it), or gives up. */
async function receiveCanary(sqs: AwsPort, queueName: string, nonce: string, polling: { polls: number; waitSeconds: number }): Promise<boolean> {
  const { QueueUrl: queueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
  for (let poll = 0; poll < polling.polls; poll++) {
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: polling.waitSeconds }),
    );
    // Only this run's canary is deleted: another run's may be in flight (older ones expire in an hour).
    const ours = messages.filter((message: any) => String(message.Body ?? '').includes(nonce));
    for (const message of ours) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    if (ours.length > 0) return true;
  }
  return false;
}

/** Runs every check, side by side; a check that throws fails with its error. */
export async function verifyDeployment(target: VerifyTarget, ports: VerifyPorts, checks: readonly VerifyCheck[] = CHECKS): Promise<CheckResult[]> {
  const results = await Promise.all(
    checks.map(async (check) => {
      try {
        return { name: check.name, calls: check.calls, ...(await check.run(target, ports)) };
      } catch (error) {
        return {
          name: check.name,
          calls: check.calls,
          status: 'fail' as const,
          detail: `could not check: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
    }),
  );
  return results;
}

/** The table the command prints. */
export function formatResults(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((result) => result.name.length));
  return results
    .map(
      (result) => `${result.status.toUpperCase().padEnd(7)} ${result.name.padEnd(width)}  ${result.detail}\n${' '.repeat(8 + width)}  calls: ${result.calls}`,
    )
    .join('\n');
}
