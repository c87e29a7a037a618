// Import boundaries between the project's rooms, declared by folder so no relative depth can slip
// past them (the per-depth ESLint patterns this replaces missed `../../../core/*`).
// The layering and the reason for each rule: docs/decisions/008-layout.md.
// Each rule is spelled out in full even where two look alike: a boundary is read and changed on its own.
/** @type {import('dependency-cruiser').IConfiguration} */
const server = '^(core|feeds|ingest|handlers|emulator|dev|simulator)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes load order matter and hides which module owns what.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'common-is-a-leaf',
      severity: 'error',
      comment:
        'common/ is shared by the Lambda bundle, the terminal clients and the browser: it imports nothing.',
      from: { path: '^common/' },
      to: { pathNot: '^common/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment:
        'core/ imports only core/, common/, the serializer runtime of fast-json-stringify (the generated quote serializer needs it) and jose (token checks, pure): no sockets, no HTTP, no Lambda, no tracing. Type-only imports of Node built-ins (a Writable in a signature) load nothing.',
      from: { path: '^core/' },
      to: {
        pathNot: '^(core|common)/|^node_modules/(fast-json-stringify|jose)/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'core-imports-no-other-room',
      severity: 'error',
      comment: 'Not even a type: core/ is the bottom layer.',
      from: { path: '^core/' },
      to: { path: '^(feeds|ingest|handlers|emulator|dev|simulator|clients|scripts|bench|test)/' },
    },
    {
      name: 'feeds-speak-upstream-only',
      severity: 'error',
      comment: 'feeds/ ships in the Lambda: core/, common/, itself, ws and (the scale-out bus) ioredis.',
      from: { path: '^feeds/' },
      to: {
        pathNot: '^(core|common|feeds)/|^node_modules/(ws|ioredis)/|^node:|^(events|url|buffer|crypto)$',
      },
    },
    {
      name: 'ingest-is-a-program-of-its-own',
      severity: 'error',
      comment:
        'ingest/ holds the vendor connection for a fleet through feeds/ (adapters, upstream client, bus names); it is no part of a gateway, and no gateway imports it.',
      from: { path: '^ingest/' },
      to: { path: '^(handlers|emulator|dev|simulator|clients)/' },
    },
    {
      name: 'gateways-never-import-the-ingest',
      severity: 'error',
      from: { path: '^(core|feeds|handlers|common|emulator|dev|simulator)/' },
      to: { path: '^ingest/' },
    },
    {
      name: 'handlers-are-the-shell',
      severity: 'error',
      comment: 'handlers/ wires core/ and feeds/ to Lambda; it never reaches the stand-ins or the tools.',
      from: { path: '^handlers/' },
      to: { path: '^(emulator|dev|simulator|clients|scripts|bench|test)/' },
    },
    {
      name: 'emulator-knows-no-quote-stream',
      severity: 'error',
      comment: 'emulator/ stands in for AWS: it may log through core/log.ts, and knows nothing else of ours.',
      from: { path: '^emulator/' },
      to: { path: '^(core|feeds|handlers|dev|simulator|clients|common)/', pathNot: '^core/log\\.ts$' },
    },
    {
      name: 'simulator-is-a-program-of-its-own',
      severity: 'error',
      comment: 'The simulator speaks the native protocol from core/ types; it is never part of the handler.',
      from: { path: '^simulator/' },
      to: { path: '^(feeds|handlers|emulator|dev|clients)/' },
    },
    {
      name: 'shipped-code-never-imports-the-simulator',
      severity: 'error',
      comment: 'The Lambda bundle follows imports from handlers/: the simulator must not be among them.',
      from: { path: '^(core|feeds|handlers|common)/' },
      to: { path: '^simulator/' },
    },
    {
      name: 'clients-know-only-the-wire',
      severity: 'error',
      comment: 'Clients know only the wire contract (docs/CONTRACT.md), never the server code.',
      from: { path: '^clients/' },
      to: { path: server },
    },
    {
      name: 'client-programs-share-through-sse',
      severity: 'error',
      comment: 'Each client program is its own folder; what they share lives in clients/sse/.',
      from: { path: '^clients/(ticker|loadtest|dashboard)/' },
      to: { path: '^clients/(ticker|loadtest|dashboard)/', pathNot: '^clients/$1/' },
    },
    {
      name: 'dashboard-stays-browser-safe',
      severity: 'error',
      comment:
        'The dashboard runs in a browser: no node: built-ins, and from clients/sse/ only the pure modules.',
      from: { path: '^clients/dashboard/src/' },
      to: {
        path: '^node:|^clients/sse/(reader|reader-error|follow|decoder)\\.ts$',
      },
    },
    {
      name: 'dashboard-has-no-node-built-ins',
      severity: 'error',
      comment: 'A bare `fs` or `events` is a Node built-in too, which a browser does not have.',
      from: { path: '^clients/dashboard/src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'production-never-imports-tests-or-tools',
      severity: 'error',
      from: { path: '^(core|feeds|ingest|handlers|common|emulator|dev|simulator|clients)/' },
      to: { path: '^(test|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules is not excluded (only not followed), so the rules see which packages a room imports.
    exclude: { path: '^(dist|coverage|clients/dashboard/dist)/' },
    tsPreCompilationDeps: true,
    // Judge imports by the path written (node_modules/ws/…), also when node_modules is a link to a
    // shared install (a git worktree): resolving the link would name a path outside the rooms.
    preserveSymlinks: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
