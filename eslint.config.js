import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { layersRule } from './scripts/layers.js';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.wsconform-tmp/', 'reports/servers/', 'reports/clients/', 'reports/browsers/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    ignores: ['runner/browser/page/'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The page scripts run in the browser, in the page or in a SharedWorker: classic scripts with
    // no build step, type-checked through tsconfig.json (`// @ts-check`, JSDoc types from page-job.ts).
    files: ['runner/browser/page/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, ...globals.worker } },
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
