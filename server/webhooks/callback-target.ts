/**
 * Where completion callbacks may go. A callback URL is given by a token
 * holder, but the server posts to it from inside the deployment, so by
 * default it may not reach private, loopback, link-local or other internal
 * addresses (SSRF). Checked when the webhook is saved and again before each
 * delivery (DNS may have changed). REELGRAPH_CALLBACK_ALLOW_PRIVATE=1 allows
 * them, e.g. for a CMS on the same network.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internal.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  internal.addSubnet(network, prefix, 'ipv6');
}

const LOOKUP_TIMEOUT_MS = 5_000;

export class CallbackTargetError extends Error {}

/** True for addresses inside the deployment's own networks (IPv4-mapped IPv6 checked as IPv4). */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return internal.check(mapped, 'ipv4');
  const family = isIP(address);
  return family === 0 ? true : internal.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Throws CallbackTargetError when `url` is not http(s) or resolves to an internal address (unless allowed). */
export async function checkCallbackTarget(url: string, allowPrivate: boolean): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CallbackTargetError(`the callback URL "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CallbackTargetError('the callback URL must be http or https');
  if (allowPrivate) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
    ? [host]
    : (
        await Promise.race([
          lookup(host, { all: true, verbatim: true }),
          sleep(LOOKUP_TIMEOUT_MS).then(() => {
            throw new CallbackTargetError(`the callback host "${host}" did not resolve within ${LOOKUP_TIMEOUT_MS / 1000} s`);
          }),
        ]).catch((error: unknown) => {
          if (error instanceof CallbackTargetError) throw error;
          throw new CallbackTargetError(`the callback host "${host}" does not resolve`);
        })
      ).map((entry) => entry.address);
  const blocked = addresses.find(isInternalAddress);
  if (blocked) {
    throw new CallbackTargetError(`the callback URL reaches an internal address (${blocked}); set REELGRAPH_CALLBACK_ALLOW_PRIVATE=1 to allow callbacks inside your network`);
  }
}
