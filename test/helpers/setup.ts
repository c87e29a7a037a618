/**
 * vitest `setupFiles` entry (vitest.config.ts). Deliberately empty of interceptors: msw lives only in
 * the test files that mock HTTP egress (STYLE §2.7 rule 6), so nothing sits in the SSE streaming path.
 */
export {};
