// Lint rules. Import boundaries between folders live in .dependency-cruiser.cjs (`npm run lint`).
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
      // Which rooms may import which is dependency-cruiser's job (.dependency-cruiser.cjs); these are
      // the purity rules an import graph cannot see.
      'no-restricted-imports': ['error', { paths: timerBans }],
      'no-restricted-globals': [
        'error',
        { name: 'awslambda', message: 'Only handlers/ and emulator/ know the Lambda runtime.' },
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
    files: ['feeds/**/*.ts', 'common/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: timerBans }],
      'no-restricted-syntax': ['error', abortTimeoutBan],
    },
  },
  {
    files: ['clients/dashboard/**/*.{ts,js}'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
