import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** The WAF rate-based rule's bounds on requests per IP in its evaluation window (WAF API, `RateBasedStatement.Limit`). */
export const WAF_RATE_LIMIT_RANGE = { min: 10, max: 2_000_000_000 } as const;

export interface LoadBalancerFirewallProps {
  /** The public load balancer the web ACL protects. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** Name of the web ACL; also its metric name. */
  readonly webAclName: string;
  /** Log group of the web ACL's traffic logs; must start with `aws-waf-logs-`. */
  readonly logGroupName: string;
  /** Name of the CloudWatch Logs resource policy that lets WAF deliver into the log group. */
  readonly logResourcePolicyName: string;
  /**
   * Requests one client IP may send in any 5-minute window before the rate rule blocks it. The
   * default (about 33 a second) stays above `npm run drill`'s default load of 20 orders a second
   * from one machine.
   * @default 10000
   */
  readonly requestsPerIpPer5Minutes?: number;
}

/**
 * A WAFv2 web ACL in front of one region's load balancer (PCI DSS v4.0.1 6.4.2: an automated
 * technical solution that detects and prevents web-based attacks in front of public-facing web
 * applications), with its traffic logs in CloudWatch Logs.
 *
 * L1 throughout: aws-cdk-lib has no L2 for WAFv2.
 *
 * Rules, in order: requests from the Amazon IP reputation list; a per-IP rate limit; the AWS
 * managed core rule set, known bad inputs and SQL injection groups (an order API on PostgreSQL).
 * Route 53 health checkers and the failover orchestrator probe `/ready` through this ACL, so it must
 * never block them: their few requests per IP stay far below the rate limit; `/ready` is a GET
 * without a body; and both send a User-Agent, which the core rule set's `NoUserAgent_HEADER`
 * requires (Route 53 sends "Amazon-Route53-Health-Check-Service (ref …)": AWS re:Post knowledge
 * center, *route-53-fix-unwanted-health-checks*; Node's `fetch`, which the orchestrator uses, sends
 * `node`, measured on Node 24). Should a rule still block the orchestrator's probe, it cannot
 * promote on that alone: a promotion also needs Route 53 to hold the primary unhealthy. The
 * failover rehearsal does not model the web ACL.
 */
export class LoadBalancerFirewall extends Construct {
  public readonly webAcl: wafv2.CfnWebACL;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: LoadBalancerFirewallProps) {
    super(scope, id);
    const limit = props.requestsPerIpPer5Minutes ?? 10_000;
    if (!Number.isInteger(limit) || limit < WAF_RATE_LIMIT_RANGE.min || limit > WAF_RATE_LIMIT_RANGE.max) {
      throw new Error(
        `LoadBalancerFirewall: requestsPerIpPer5Minutes must be an integer from ${WAF_RATE_LIMIT_RANGE.min} to ${WAF_RATE_LIMIT_RANGE.max}, got ${limit}`,
      );
    }
    if (!props.logGroupName.startsWith('aws-waf-logs-')) {
      throw new Error(`LoadBalancerFirewall: logGroupName must start with aws-waf-logs- (WAF delivers nowhere else), got ${props.logGroupName}`);
    }
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const managed = (name: string, priority: number): wafv2.CfnWebACL.RuleProperty => ({
      name: `aws-${name}`,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: visibility(`aws-${name}`),
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: props.webAclName,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(props.webAclName),
      rules: [
        managed('AWSManagedRulesAmazonIpReputationList', 0),
        {
          name: 'rate-limit-per-ip',
          priority: 1,
          action: { block: {} },
          statement: { rateBasedStatement: { limit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          visibilityConfig: visibility('rate-limit-per-ip'),
        },
        managed('AWSManagedRulesCommonRuleSet', 2),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 3),
        managed('AWSManagedRulesSQLiRuleSet', 4),
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', { resourceArn: props.loadBalancer.loadBalancerArn, webAclArn: this.webAcl.attrArn });

    const stack = Stack.of(this);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', { logGroupName: props.logGroupName });
    // WAF wants the log group's ARN without the `:*` the L2's logGroupArn ends with.
    const logGroupArn = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: props.logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    // Managed explicitly instead of letting WAF add it to the account's shared policy: the policy the
    // CloudWatch Logs User Guide gives for vended logs (*Enabling logging from AWS services*, logs
    // sent to CloudWatch Logs), scoped to this log group and to log deliveries of this account.
    const delivery = new logs.ResourcePolicy(this, 'LogDeliveryPolicy', {
      resourcePolicyName: props.logResourcePolicyName,
      policyStatements: [
        new iam.PolicyStatement({
          sid: 'AWSLogDeliveryWrite',
          principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`${logGroupArn}:log-stream:*`],
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'logs', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME }) },
          },
        }),
      ],
    });
    const logging = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [logGroupArn],
      // Credentials never reach the logs.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'cookie' } }],
    });
    logging.node.addDependency(delivery, this.logGroup);
  }
}
