/**
 * The platform's wiring, read from a synthesized cloud assembly (never from the CDK source): which
 * health check probes which load balancer, what each service's environment points at, how the
 * orchestrator is scheduled, which clusters form the global database. Intrinsics are resolved across
 * stacks (`Ref`, `Fn::GetAtt`, `Fn::ImportValue`, `Fn::GetStackOutput`, `Fn::Join`) down to a
 * resource and one of its attributes; the AWS models give each attribute its meaning. Nothing is
 * recognised by variable name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface StackTemplate {
  readonly artifactId: string;
  readonly stackName: string;
  readonly region: string;
  readonly resources: Record<string, { readonly Type: string; readonly Properties?: any }>;
  readonly outputs: Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: unknown } }>;
}

/** A resource of one stack. */
export interface ResourceRef {
  readonly stack: StackTemplate;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: any;
}

/** A template value after resolving intrinsics. */
export type Resolved =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'attribute'; readonly resource: ResourceRef; readonly attribute: string }
  | { readonly kind: 'pseudo'; readonly name: string; readonly region: string }
  | { readonly kind: 'join'; readonly delimiter: string; readonly parts: readonly Resolved[] }
  | { readonly kind: 'list'; readonly items: readonly Resolved[] };

export class Assembly {
  public readonly stacks: readonly StackTemplate[];
  private readonly exports = new Map<string, { stack: StackTemplate; value: unknown }>();

  /** Reads `manifest.json` of a cloud assembly directory (`cdk.out`). */
  public static fromDirectory(directory: string): Assembly {
    const manifestFile = path.join(directory, 'manifest.json');
    if (!fs.existsSync(manifestFile)) {
      throw new Error(
        `no cloud assembly in ${directory} (manifest.json missing): run \`npm run synth\` first (\`npm run synth -- -c config=<name>\` for another environment), or pass --assembly <dir>`,
      );
    }
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    const stacks: StackTemplate[] = [];
    for (const [artifactId, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
      if (artifact.type !== 'aws:cloudformation:stack') continue;
      const template = JSON.parse(fs.readFileSync(path.join(directory, artifact.properties.templateFile), 'utf8'));
      const region = /^aws:\/\/[^/]+\/(.+)$/.exec(artifact.environment ?? '')?.[1];
      if (!region || region === 'unknown-region') throw new Error(`stack ${artifactId} has no explicit region: the rehearsal needs region-bound stacks`);
      stacks.push({
        artifactId,
        stackName: artifact.properties.stackName ?? artifactId,
        region,
        resources: template.Resources ?? {},
        outputs: template.Outputs ?? {},
      });
    }
    return new Assembly(stacks);
  }

  constructor(stacks: readonly StackTemplate[]) {
    this.stacks = stacks;
    for (const stack of stacks) {
      for (const output of Object.values(stack.outputs)) {
        if (typeof output.Export?.Name === 'string') this.exports.set(output.Export.Name, { stack, value: output.Value });
      }
    }
  }

  /** Every resource of a CloudFormation type, across stacks. */
  public resourcesOfType(type: string): ResourceRef[] {
    return this.stacks.flatMap((stack) =>
      Object.entries(stack.resources)
        .filter(([, resource]) => resource.Type === type)
        .map(([logicalId, resource]) => ({ stack, logicalId, type, properties: resource.Properties ?? {} })),
    );
  }

  public resource(stack: StackTemplate, logicalId: string): ResourceRef {
    const resource = stack.resources[logicalId];
    if (!resource) throw new Error(`${stack.artifactId} has no resource ${logicalId}`);
    return { stack, logicalId, type: resource.Type, properties: resource.Properties ?? {} };
  }

  /** Resolves a template value in `stack` to text, resource attributes, pseudo parameters and joins. */
  public resolve(value: unknown, stack: StackTemplate): Resolved {
    if (typeof value === 'string') return { kind: 'text', text: value };
    if (typeof value === 'number' || typeof value === 'boolean') return { kind: 'text', text: String(value) };
    if (Array.isArray(value)) return { kind: 'list', items: value.map((item) => this.resolve(item, stack)) };
    if (value === null || typeof value !== 'object') throw new Error(`cannot resolve ${JSON.stringify(value)} in ${stack.artifactId}`);
    const object = value as Record<string, any>;
    if ('Ref' in object) {
      const name = object.Ref as string;
      if (name.startsWith('AWS::')) return { kind: 'pseudo', name, region: stack.region };
      return { kind: 'attribute', resource: this.resource(stack, name), attribute: 'Ref' };
    }
    if ('Fn::GetAtt' in object) {
      const [logicalId, attribute] = Array.isArray(object['Fn::GetAtt']) ? object['Fn::GetAtt'] : String(object['Fn::GetAtt']).split(/\.(.+)/);
      return { kind: 'attribute', resource: this.resource(stack, logicalId), attribute };
    }
    if ('Fn::ImportValue' in object) {
      const name = this.resolveText(object['Fn::ImportValue'], stack);
      const exported = this.exports.get(name);
      if (!exported) throw new Error(`${stack.artifactId} imports ${name}, which no stack exports`);
      if (exported.stack.region !== stack.region) throw new Error(`${stack.artifactId} imports ${name} from another region (${exported.stack.region})`);
      return this.resolve(exported.value, exported.stack);
    }
    if ('Fn::GetStackOutput' in object) {
      const { StackName, OutputName, Region } = object['Fn::GetStackOutput'];
      const producer = this.stacks.find((candidate) => candidate.stackName === StackName && (Region === undefined || candidate.region === Region));
      if (!producer) throw new Error(`${stack.artifactId} reads output ${OutputName} of stack ${StackName}, which is not in the assembly`);
      const output = producer.outputs[OutputName];
      if (!output) throw new Error(`stack ${StackName} has no output ${OutputName}`);
      return this.resolve(output.Value, producer);
    }
    if ('Fn::Join' in object) {
      const [delimiter, parts] = object['Fn::Join'];
      const resolved = this.resolve(parts, stack);
      return { kind: 'join', delimiter, parts: resolved.kind === 'list' ? resolved.items : [resolved] };
    }
    throw new Error(`unsupported intrinsic ${Object.keys(object).join(', ')} in ${stack.artifactId}`);
  }

  /** A value that must be plain text (names, identifiers). */
  public resolveText(value: unknown, stack: StackTemplate): string {
    const resolved = this.resolve(value, stack);
    if (resolved.kind !== 'text') throw new Error(`expected plain text in ${stack.artifactId}, got ${JSON.stringify(value)}`);
    return resolved.text;
  }
}

/**
 * Renders resolved values as the strings a deployed resource would see, with deterministic
 * simulated physical values, and remembers which resource attribute each rendered name stands for
 * (the DNS and network models answer from that table, as FoundationDB's simulator answers lookups
 * from its own table first).
 */
export class Renderer {
  private readonly names = new Map<string, { resource: ResourceRef; attribute: string }>();

  constructor(private readonly account = '123456789012') {}

  public render(value: Resolved): string {
    switch (value.kind) {
      case 'text':
        return value.text;
      case 'pseudo':
        return this.pseudo(value.name, value.region);
      case 'join':
        return value.parts.map((part) => this.render(part)).join(value.delimiter);
      case 'list':
        return value.items.map((item) => this.render(item)).join(',');
      case 'attribute': {
        const text = this.attribute(value.resource, value.attribute);
        this.names.set(text, { resource: value.resource, attribute: value.attribute });
        return text;
      }
    }
  }

  /** The resource attribute a rendered name stands for, if any. */
  public lookup(name: string): { resource: ResourceRef; attribute: string } | undefined {
    return this.names.get(name);
  }

  private pseudo(name: string, region: string): string {
    switch (name) {
      case 'AWS::AccountId':
        return this.account;
      case 'AWS::Region':
        return region;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      default:
        return name;
    }
  }

  private attribute(resource: ResourceRef, attribute: string): string {
    const { region } = resource.stack;
    const id = resource.logicalId.toLowerCase();
    const properties = resource.properties;
    switch (`${resource.type}#${attribute}`) {
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer#DNSName':
        return `${properties.Name ?? id}-sim.${region}.elb.amazonaws.com`;
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer#CanonicalHostedZoneID':
        return `ZSIMELB${region.replace(/-/g, '').toUpperCase()}`;
      case 'AWS::RDS::DBCluster#Endpoint.Address':
        return `${properties.DBClusterIdentifier ?? id}.cluster-sim.${region}.rds.amazonaws.com`;
      case 'AWS::RDS::DBCluster#ReadEndpoint.Address':
        return `${properties.DBClusterIdentifier ?? id}.cluster-ro-sim.${region}.rds.amazonaws.com`;
      // Ref of a parameter is its name; of a topic, its ARN (CloudFormation resource reference, return values).
      case 'AWS::SSM::Parameter#Ref':
        return typeof properties.Name === 'string' ? properties.Name : `/${resource.stack.artifactId}/${id}`;
      case 'AWS::SNS::Topic#Ref':
        return `arn:aws:sns:${region}:${this.account}:${typeof properties.TopicName === 'string' ? properties.TopicName : id}`;
      case 'AWS::Route53::HostedZone#NameServers':
        return 'ns-1.awsdns-sim.com,ns-2.awsdns-sim.net';
      default:
        return `${resource.stack.artifactId}/${resource.logicalId}.${attribute}`;
    }
  }
}
