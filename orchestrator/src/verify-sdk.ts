/** The AWS SDK clients behind verify-deployment's ports, one per service and region. */
import { ACMClient } from '@aws-sdk/client-acm';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { RDSClient } from '@aws-sdk/client-rds';
import { systemDns } from './dns';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { randomUUID } from 'node:crypto';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { httpProbe } from './http-probe';
import { VerifyPorts } from './verify';

/** A named profile is used alone, as `aws --profile` does (see ops-commands.ts). */
export function sdkPorts(profile: string | undefined): VerifyPorts {
  const config = (region: string) => ({ region, ...(profile ? { credentials: fromIni({ profile }) } : {}) });
  const perRegion = <T>(make: (region: string) => T) => {
    const clients = new Map<string, T>();
    return (region: string): T => {
      if (!clients.has(region)) clients.set(region, make(region));
      return clients.get(region)!;
    };
  };
  return {
    acm: perRegion((region) => new ACMClient(config(region))),
    cloudformation: perRegion((region) => new CloudFormationClient(config(region))),
    cloudwatch: perRegion((region) => new CloudWatchClient(config(region))),
    eventbridge: perRegion((region) => new EventBridgeClient(config(region))),
    sqs: perRegion((region) => new SQSClient(config(region))),
    nonce: () => randomUUID(),
    rds: perRegion((region) => new RDSClient(config(region))),
    // Route 53 is a global service whose API lives in us-east-1.
    route53: new Route53Client(config('us-east-1')),
    s3: perRegion((region) => new S3Client(config(region))),
    ssm: perRegion((region) => new SSMClient(config(region))),
    scheduler: perRegion((region) => new SchedulerClient(config(region))),
    ec2: perRegion((region) => new EC2Client(config(region))),
    ecs: perRegion((region) => new ECSClient(config(region))),
    logs: perRegion((region) => new CloudWatchLogsClient(config(region))),
    sns: perRegion((region) => new SNSClient(config(region))),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    probe: (url, serverName) => httpProbe(url, { signal: AbortSignal.timeout(10_000), serverName }),
    dns: systemDns,
  };
}
