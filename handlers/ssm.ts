/**
 * Read one SSM Parameter Store value at run time through the Powertools Parameters utility, decrypted
 * (a SecureString) and cached in the process for `maxAgeS`. Reading at run time, rather than letting
 * the deployment resolve `${ssm:…}` into the function's environment, keeps a secret out of the
 * CloudFormation template and the function configuration.
 *
 * The utility (and the AWS SDK client under it) is imported on first use, so a process that never
 * reads a parameter (a local run, a test) never loads it.
 * @see https://docs.powertools.aws.dev/lambda/typescript/latest/features/parameters/
 */

/** Reads a parameter's value by name; undefined when it has none. */
export type ParameterReader = (name: string) => Promise<string | undefined>;

/** A reader of decrypted SSM parameters whose values are cached for `maxAgeS` seconds. */
export function ssmParameterReader(maxAgeS: number): ParameterReader {
  return async (name) => {
    const { getParameter } = await import('@aws-lambda-powertools/parameters/ssm');
    return getParameter(name, { decrypt: true, maxAge: maxAgeS });
  };
}
