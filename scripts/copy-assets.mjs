// Copies the non-TypeScript assets (Handlebars templates, case data files) next to the compiled JS,
// so that dist/ resolves them with the same relative paths as the sources do.
import { cpSync, existsSync } from 'node:fs';

for (const dir of ['reports/templates', 'cases/data', 'runner/browser/page']) {
  if (existsSync(dir)) cpSync(dir, `dist/${dir}`, { recursive: true });
}
