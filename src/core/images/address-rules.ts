/**
 * Where image downloads may go, judged as pure functions. An Images API answers with urls, and a
 * url (or a redirect behind it) can point into the operator's own network: a metadata service, an
 * admin page, a database. Downloads go only over http(s), to the API's own host, to hosts the
 * operator lists, or to public addresses, plus the API's own kind of network when the API itself
 * is on one (a self-hosted gateway whose storage is its neighbour).
 */
import ipaddr from 'ipaddr.js';

/** What an address is, as far as downloads care. */
export type AddressRange = 'public' | 'loopback' | 'private' | 'linkLocal' | 'metadata' | 'other';

/** Cloud metadata services, refused even when their network is trusted: they hand out credentials. */
const metadataAddresses = new Set([
  '169.254.169.254',
  '169.254.170.2',
  '100.100.100.200',
  'fd00:ec2::254',
]);

const rangeNames: Record<string, AddressRange> = {
  unicast: 'public',
  loopback: 'loopback',
  private: 'private',
  uniqueLocal: 'private',
  carrierGradeNat: 'private',
  linkLocal: 'linkLocal',
};

/**
 * The range of an IP address; IPv4 written inside IPv6 (`::ffff:10.0.0.1`) counts as the IPv4
 * address. Anything that is not an address, or is multicast, reserved, unspecified or a
 * translation prefix that could hide a private address, is `other` and never allowed.
 */
export const addressRange = (address: string): AddressRange => {
  if (!ipaddr.isValid(address)) return 'other';
  const parsed = ipaddr.process(address);
  if (
    metadataAddresses.has(parsed.toNormalizedString()) ||
    metadataAddresses.has(parsed.toString())
  )
    return 'metadata';
  return rangeNames[parsed.range()] ?? 'other';
};

export interface DownloadRules {
  /** Host names downloaded from whatever their address: the API's own and IMAGES_DOWNLOAD_HOSTS. */
  trustedHosts: ReadonlySet<string>;
  /** Non-public ranges allowed besides public addresses: those the API itself is on. */
  trustedRanges: ReadonlySet<AddressRange>;
}

/** The host name of a URL as compared: lowercase, IPv6 without brackets. */
export const hostOf = (url: URL): string => url.hostname.toLowerCase().replace(/^\[|\]$/g, '');

/**
 * The rules for an API at `apiBaseUrl` whose host has `apiAddresses` (its own address, when the
 * host is one), with the operator's extra `downloadHosts`. A public API trusts no private range.
 */
export const downloadRules = (
  apiBaseUrl: string,
  downloadHosts: readonly string[],
  apiAddresses: readonly string[],
): DownloadRules => {
  const apiHost = hostOf(new URL(apiBaseUrl));
  const ranges = [apiHost, ...apiAddresses]
    .map(addressRange)
    .filter((range) => range === 'loopback' || range === 'private' || range === 'linkLocal');
  return {
    trustedHosts: new Set([apiHost, ...downloadHosts.map((host) => host.toLowerCase())]),
    trustedRanges: new Set(ranges),
  };
};

export type Judgement = { allowed: true } | { allowed: false; reason: string };

const allowed: Judgement = { allowed: true };

/** Whether a resolved address may be connected to for a download from an untrusted host. */
export const judgeAddress = (address: string, rules: DownloadRules): Judgement => {
  const range = addressRange(address);
  if (range === 'public' || rules.trustedRanges.has(range)) return allowed;
  const what = range === 'other' ? 'not a public address' : `a ${range} address`;
  return { allowed: false, reason: `${address} is ${what}` };
};

/**
 * Whether a url may be fetched, before any connection: the scheme, then the host. `checkAddresses`
 * says whether the addresses the host resolves to must still pass {@link judgeAddress}.
 */
export const judgeUrl = (
  url: URL,
  rules: DownloadRules,
): { allowed: true; checkAddresses: boolean } | { allowed: false; reason: string } => {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { allowed: false, reason: `${url.protocol} is not http(s)` };
  const host = hostOf(url);
  if (rules.trustedHosts.has(host)) return { allowed: true, checkAddresses: false };
  if (ipaddr.isValid(host)) {
    const judged = judgeAddress(host, rules);
    return judged.allowed ? { allowed: true, checkAddresses: false } : judged;
  }
  return { allowed: true, checkAddresses: true };
};
