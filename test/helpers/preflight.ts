/**
 * The CORS preflight of the stream route as the project configures it (dev/gateway.ts wires the
 * same settings into the emulator that the emulator tests spell out): one allowed origin, GET, the
 * two request headers an EventSource may send, ten minutes of caching. Written out, not derived
 * from the configuration, so a changed setting shows up as a failing test.
 */

/** The one origin the preflight tests allow. */
export const APP_ORIGIN = 'https://app.example.com';

/** The headers a 204 preflight from APP_ORIGIN carries, whichever server answers it. */
export const APP_PREFLIGHT_HEADERS = {
  'access-control-allow-origin': APP_ORIGIN,
  vary: 'origin',
  'access-control-allow-methods': 'GET',
  'access-control-allow-headers': 'last-event-id, cache-control',
  'access-control-max-age': '600',
} as const;
