/**
 * Readers for a template `osls package` emitted (test/helpers/osls.ts), shared by the scale-out checks:
 * one resource, its properties, an ECS name/value list as a record, the SSM parameter ARN expression
 * serverless.yml builds, a string expression as text, and the resources with the per-packaging names
 * made stable for comparison.
 */
import type { CfnResource, PackagedService } from './osls.ts';

/** The resource `id`; a missing one fails the test that asked. */
export function resource(service: PackagedService, id: string): CfnResource {
  const found = service.template.Resources[id];
  if (found === undefined) throw new Error(`${id} not in the template`);
  return found;
}

export function properties(service: PackagedService, id: string): Record<string, unknown> {
  return resource(service, id).Properties ?? {};
}

/** An ECS `[{Name, Value}]` (or `[{Name, ValueFrom}]`) list as `{Name: Value}`. */
export function byName(entries: unknown, field: 'Value' | 'ValueFrom' = 'Value'): Record<string, unknown> {
  return Object.fromEntries((entries as Record<string, unknown>[]).map((e) => [e.Name as string, e[field]]));
}

/** `arn:<partition>:ssm:<region>:<account>:parameter` + name, as serverless.yml's custom joins it. */
export function parameterArn(name: string): unknown {
  const prefix = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':ssm:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':parameter',
      ],
    ],
  };
  return { 'Fn::Join': ['', [prefix, name]] };
}

/**
 * A string expression as the text CloudFormation would make of it, with what only a deploy knows
 * shown as a placeholder (`Ref: AWS::Region` → `<AWS::Region>`, a GetAtt → `<Id.Attribute>`), so two
 * spellings of one ARN compare equal. Fn::Join and Fn::Split are evaluated; any other function fails.
 */
export function cfnText(value: unknown): string {
  const text = evaluate(value);
  if (typeof text !== 'string') throw new Error(`not a string expression: ${JSON.stringify(value)}`);
  return text;
}

function evaluate(value: unknown): string | string[] {
  if (typeof value === 'string') return value;
  const [[name, args] = []] = Object.entries((value ?? {}) as Record<string, unknown>);
  switch (name) {
    case 'Ref':
      return `<${String(args)}>`;
    case 'Fn::GetAtt':
      return `<${(args as string[]).join('.')}>`;
    case 'Fn::Join': {
      const [separator, list] = args as [string, unknown];
      const items = Array.isArray(list) ? list.map(cfnText) : evaluate(list);
      if (!Array.isArray(items)) throw new Error(`Fn::Join of a string: ${JSON.stringify(value)}`);
      return items.join(separator);
    }
    case 'Fn::Split': {
      const [separator, source] = args as [string, unknown];
      return cfnText(source).split(separator);
    }
    default:
      throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
  }
}

/**
 * The template's resources with what differs between any two packagings made stable: the API
 * deployment's logical id and the artifact folder are named after the packaging time.
 */
export function stableResources(service: PackagedService): Record<string, unknown> {
  const json = JSON.stringify(service.template.Resources)
    .replace(/ApiGatewayDeployment\d+/g, 'ApiGatewayDeployment')
    .replace(/\/\d{13}-[^/"]+\//g, '/<time>/');
  return JSON.parse(json) as Record<string, unknown>;
}
