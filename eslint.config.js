import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    // Command-line entry points and benchmarks talk to a person on a terminal, not to the log.
    files: ['scripts/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
);
