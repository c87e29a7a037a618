/**
 * What the build fixed: the API origins `?api=` may name besides the page's own. vite.config.ts
 * defines `__QUOTE_STREAM_API_ORIGINS__` from the `QUOTE_STREAM_API_ORIGINS` environment variable
 * (comma-separated origins, checked there); without a build (unit tests) the list is empty, so
 * only the page's own origin is allowed.
 * @see docs/dashboard.md § Page parameters
 */
declare const __QUOTE_STREAM_API_ORIGINS__: readonly string[] | undefined;

/** Origins other than the page's own that `?api=` may point at. */
export const ALLOWED_API_ORIGINS: readonly string[] =
  typeof __QUOTE_STREAM_API_ORIGINS__ === 'undefined' ? [] : __QUOTE_STREAM_API_ORIGINS__;
