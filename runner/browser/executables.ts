/**
 * Where browsers live on a machine: known install paths per engine, PATH lookups, and Playwright's
 * own downloaded browsers when they happen to be there. Nothing is ever downloaded.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first candidate that is an executable file: absolute paths as they are, bare names on PATH. */
export function findExecutable(candidates: readonly string[], env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const c of candidates) {
    if (isAbsolute(c)) {
      if (isExecutable(c)) return c;
      continue;
    }
    for (const d of dirs) {
      const p = join(d, c);
      if (isExecutable(p)) return p;
    }
  }
  return null;
}

/** Known places, in order of preference: Debian/Ubuntu packages, then other common installs. */
export const knownPaths = {
  chromium: [
    '/usr/bin/chromium',
    '/usr/lib/chromium/chromium',
    '/usr/bin/chromium-browser',
    '/snap/bin/chromium',
    '/usr/bin/google-chrome-stable',
    '/usr/bin/google-chrome',
    '/opt/google/chrome/chrome',
  ],
  firefox: ['/usr/bin/firefox-esr', '/usr/lib/firefox-esr/firefox-esr', '/usr/bin/firefox', '/usr/lib/firefox/firefox', '/snap/bin/firefox'],
  webkitDriver: ['/usr/bin/WebKitWebDriver', '/usr/libexec/webkit2gtk-4.1/WebKitWebDriver', '/usr/libexec/webkit2gtk-4.0/WebKitWebDriver'],
  miniBrowser: [
    '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
    '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
    '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/MiniBrowser',
    '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.0/MiniBrowser',
    '/usr/libexec/webkit2gtk-4.1/MiniBrowser',
    '/usr/libexec/webkit2gtk-4.0/MiniBrowser',
  ],
} as const;
