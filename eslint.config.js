import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { layersRule } from './scripts/layers.js';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.wsconform-tmp/', 'reports/servers/', 'reports/clients/', 'reports/browsers/', 'runner/browser/page/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Each layer imports only the layers below it (scripts/layers.js).
    files: ['cases/**/*.ts', 'runner/**/*.ts', 'reports/**/*.ts'],
    plugins: { wsconform: { rules: { layers: layersRule } } },
    rules: { 'wsconform/layers': 'error' },
  },
  {
    files: ['**/*.cjs', 'scripts/**/*.mjs', 'bin/**/*.js'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
