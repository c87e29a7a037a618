/**
 * Whether this process runs on the Lambda runtime. AWS_EXECUTION_ENV is a reserved variable the
 * runtime sets (`AWS_Lambda_nodejs24.x`) and the one the Powertools Tracer checks; the local
 * emulator never sets it.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
export function isLambdaRuntime(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return Boolean(env.AWS_EXECUTION_ENV);
}
