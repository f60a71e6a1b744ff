/**
 * Where the browser reaches wsconform: the page server, the fuzzing server and the browser-API
 * servers listen on `listenHost` and are named by `publicHost` in every URL the page gets. Both
 * are 127.0.0.1 for a browser on this machine; a remote browser (issue 11) needs --public-url.
 */
export interface Reach {
  listenHost: string;
  publicHost: string;
}

export const LOOPBACK: Reach = { listenHost: '127.0.0.1', publicHost: '127.0.0.1' };

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * From --public-url (http://HOST or ws://HOST; a port is ignored, every server has its own): a
 * loopback host is also listened on; any other host means listening on every interface.
 */
export function reachFromPublicUrl(value: string): Reach {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`--public-url ${JSON.stringify(value)} is not a URL (e.g. http://192.0.2.10)`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw new Error(`--public-url ${JSON.stringify(value)} has no host`);
  return { listenHost: isLoopback(host) ? host : host.includes(':') ? '::' : '0.0.0.0', publicHost: host };
}

/** A host as it appears in a URL (IPv6 literals in brackets). */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
