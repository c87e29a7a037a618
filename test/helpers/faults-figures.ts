/**
 * Figures a fault scenario measured (rates reached, memory growth), printed only when asked with
 * FAULTS_FIGURES=1, so a passing run prints nothing: they feed test/faults/README.md.
 */
export function reportFigures(scenario: string, figures: Record<string, number | string>): void {
  if (process.env.FAULTS_FIGURES !== '1') return;
  console.log(`[faults] ${scenario}: ${JSON.stringify(figures)}`);
}
