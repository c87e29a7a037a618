// Lint rules, including the layer rules of STYLE §2.2: core/ stays pure, clients/ never import the server.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const timerBans = [
  {
    name: 'node:timers/promises',
    message: 'Fake timers do not control it (vitest #3088); use global setTimeout.',
  },
  {
    name: 'timers/promises',
    message: 'Fake timers do not control it (vitest #3088); use global setTimeout.',
  },
];
const abortTimeoutBan = {
  selector: "MemberExpression[object.name='AbortSignal'][property.name='timeout']",
  message:
    'Fake timers do not control AbortSignal.timeout (Node #60509); use a setTimeout + AbortController.',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.serverless/', 'coverage/', 'clients/dashboard/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...timerBans,
            { name: 'ws', message: 'core/ is pure: sockets live in feeds/.' },
            { name: 'node:http', message: 'core/ is pure: HTTP lives in handlers/ and local/.' },
          ],
          patterns: [
            { group: ['@aws-lambda-powertools/*'], message: 'core/ is pure: tracing lives in handlers/.' },
            {
              group: ['../feeds/*', '../handlers/*', '../local/*', '../clients/*'],
              message: 'core/ imports only core/.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'awslambda', message: 'Only handlers/ and local/ know the Lambda runtime.' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Configuration is read once in core/config.ts from an env record passed in.',
        },
      ],
      'no-restricted-syntax': ['error', abortTimeoutBan],
    },
  },
  {
    files: ['feeds/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: timerBans,
          patterns: [
            {
              group: [
                '../handlers/*',
                '../local/*',
                '../clients/*',
                '../../handlers/*',
                '../../local/*',
                '../../clients/*',
              ],
              message: 'feeds/ imports core/ and ws only.',
            },
          ],
        },
      ],
      'no-restricted-syntax': ['error', abortTimeoutBan],
    },
  },
  {
    files: ['clients/**/*.ts', 'clients/**/*.js'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../core/*',
                '../feeds/*',
                '../handlers/*',
                '../local/*',
                '../../core/*',
                '../../feeds/*',
                '../../handlers/*',
                '../../local/*',
              ],
              message: 'Clients know only the wire contract (docs/CONTRACT.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['clients/dashboard/**/*.{ts,js}'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
