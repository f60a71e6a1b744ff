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

/**
 * Where lane `k` of a page's cases reaches the servers. A browser lets one connection per host
 * (Firefox) or per host and port (Chromium, which then waits 10 ms before the next) be CONNECTING
 * at a time (RFC 6455 §4.1), so cases that run side by side need addresses of their own. On
 * 127.0.0.1 every 127.0.0.x is this machine too, and lane k gets 127.0.0.(k+1); any other reach
 * keeps its host, and lanes differ by port only.
 */
export function laneReach(reach: Reach, k: number): Reach {
  if (reach.listenHost !== LOOPBACK.listenHost || reach.publicHost !== LOOPBACK.publicHost || k % LANE_HOSTS === 0) return reach;
  const host = `127.0.0.${1 + (k % LANE_HOSTS)}`;
  return { listenHost: host, publicHost: host };
}

/** Loopback hosts laneReach hands out (127.0.0.1 … 127.0.0.16); lane 16 is on 127.0.0.1 again. */
export const LANE_HOSTS = 16;

/**
 * Starts a listener for lane `k` with `listen`, at laneReach's address; where that cannot be
 * bound (only 127.0.0.1 exists on some systems), at `reach` itself.
 */
export function listenOnLane<T>(reach: Reach, k: number, listen: (at: Reach) => Promise<T>): Promise<T> {
  const lane = laneReach(reach, k);
  return lane === reach ? listen(reach) : listen(lane).catch(() => listen(reach));
}
