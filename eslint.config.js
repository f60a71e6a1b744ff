import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.wsconform-tmp/', 'reports/servers/', 'reports/clients/', 'reports/browsers/', 'runner/browser/page/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Layering: the wire layer and the catalogue never reach up into the runner or the reports.
      'no-restricted-imports': 'off',
    },
  },
  {
    files: ['runner/wire/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./', message: 'The wire layer is pure and stands alone: it imports nothing from the runner, cases or reports.' }] }] },
  },
  {
    files: ['cases/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.\\./)+(runner/(?!wire/)|reports/)', message: 'Cases are data: they may use the wire layer, never the runner or the reports.' }] }] },
  },
  {
    files: ['**/*.cjs', 'scripts/**/*.mjs', 'bin/**/*.js'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
