/**
 * The fault suite runs in two sizes: `short` (part of `npm test`, a few seconds in all) and `full`
 * (`npm run test:faults`, about 25 s on the 2-core development machine). The size comes from the FAULTS environment variable, which
 * the vitest project sets; anything but `full` means short, so a direct run stays cheap.
 */

/** The size this run uses. */
const FAULTS_SIZE: 'short' | 'full' = process.env.FAULTS === 'full' ? 'full' : 'short';

/** Pick the short or the full figure. */
export function scaled<T>(short: T, full: T): T {
  return FAULTS_SIZE === 'full' ? full : short;
}
