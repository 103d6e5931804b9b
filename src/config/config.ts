/**
 * rtpengine's configuration, loaded in rtpengine's order: the command line names the config file and section,
 * that section is read, and the command line then overrides it (defaults < file < command line). Every wrong
 * value is a `ConfigError` naming its option, raised before anything is bound.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import {
  availableParallelism,
  type NetworkInterfaceInfo,
  networkInterfaces as osNetworkInterfaces,
} from 'node:os';
import { type ArgValue, ArgvError, parseArgv } from './argv.ts';
import {
  type KeyFile,
  type KeyFileEntry,
  KeyFileError,
  keyFileBoolean,
  keyFileString,
  keyFileStringList,
  parseKeyFile,
  subSectionNames,
} from './keyfile.ts';
import { formatHelp, OPTIONS, type OptionSpec, optionByLong } from './options.ts';

export { formatHelp };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type EndpointLearning = 'delayed' | 'immediate' | 'off' | 'heuristic';

export interface InterfaceSpec {
  /** The logical name that `direction` flags select; `default` when the spec has no `NAME/`. */
  readonly name: string;
  readonly address: string;
  /** The address written into SDP instead of `address` (the part after `!`), or null. */
  readonly advertised: string | null;
  readonly family: 'IP4' | 'IP6';
}

export interface ListenAddr {
  /** An IP literal, or a host name left for the socket layer to resolve. */
  readonly host: string;
  readonly port: number;
}

export type RawValue = string | string[] | boolean;

export interface RtpengineConfig {
  readonly interfaces: readonly InterfaceSpec[];
  readonly listenNg: readonly ListenAddr[];
  readonly listenTcpNg: readonly ListenAddr[];
  /** `--listen-cli`: rtpengine-ctl's text protocol over TCP. */
  readonly listenCli: readonly ListenAddr[];
  /** `--listen-http`: HTTP (POST /ng, GET /ping, /cli) and WebSocket. */
  readonly listenHttp: readonly ListenAddr[];
  /** `--listen-udp`: the legacy rtpproxy protocol. */
  readonly listenUdp: readonly ListenAddr[];
  /** `--listen-tcp`: the legacy OpenSER mediaproxy protocol. */
  readonly listenTcp: readonly ListenAddr[];
  /** `--max-load`, `--max-cpu` (percent), `--max-bandwidth` (bytes/s); 0 = no limit. */
  readonly maxLoad: number;
  readonly maxCpu: number;
  readonly maxBandwidth: number;
  /** `--b2b-url` (`%%` = the callback address) and `--xmlrpc-format` (0, 1 or 2). */
  readonly b2bUrl: string | null;
  readonly xmlrpcFormat: 0 | 1 | 2;
  /** `--log-facility-cdr` was given: CDR lines are logged. */
  readonly cdr: boolean;
  /** `--dtmf-digit-delay` (ms) of DTMF triggers; 10.5 takes any integer, 0 and negative ones too. */
  readonly dtmfDigitDelay: number;
  readonly portMin: number;
  readonly portMax: number;
  readonly timeout: number;
  readonly silentTimeout: number;
  readonly finalTimeout: number;
  readonly offerTimeout: number;
  readonly deleteDelay: number;
  /** -1 means unlimited. */
  readonly maxSessions: number;
  /**
   * `--num-threads`: call threads (actors/threads/); as in rtpengine, one per core when not given.
   */
  readonly numThreads: number;
  readonly tos: number;
  readonly endpointLearning: EndpointLearning;
  readonly logLevel: number;
  readonly logStderr: boolean;
  readonly foreground: boolean;
  readonly pidfile: string | null;
  /** The kernel forwarding table; -1 forwards in userspace only. 0 and up try the kernel and fall back to userspace unless `noFallback`. */
  readonly table: number;
  readonly noFallback: boolean;
  /** The file that was read, or null. */
  readonly configFile: string | null;
  readonly configSection: string;
  /**
   * Every option given, file and command line merged, by long name: flags as booleans, lists as arrays, every
   * other value as its (syntax-checked) text. Features read their own options here; `optionValue` adds defaults.
   */
  readonly raw: ReadonlyMap<string, RawValue>;
}

export interface LoadedConfig {
  /** When `helpText` or `version` is set, rtpengine stops before checking values: this then holds defaults only. */
  readonly config: RtpengineConfig;
  /** Options given that rtpengine-ts does not act on yet, for one warning at start. */
  readonly unimplemented: string[];
  /** Set when `--help` was given: print it and exit 0. */
  readonly helpText?: string;
  /** Set when `--version` was given: print the version and exit 0. */
  readonly version?: boolean;
  /** The parsed file, for features that read other groups, or null. */
  readonly keyFile: KeyFile | null;
  /** The `NAME` of every `[SECTION-NAME]` group of the file (e.g. `[rtpengine-testing]` gives `testing`). */
  readonly subSections: string[];
  /** Which embedded defaults were used because nothing was configured (see `defaultInterfaces`). */
  readonly embeddedDefaults: ('interface' | 'listen-ng' | 'table')[];
}

export interface LoadConfigOptions {
  /** Reads a config file; throws an error with `code: 'ENOENT'` when it does not exist. */
  readonly readFile?: (path: string) => string;
  /** What `os.networkInterfaces()` returns, for resolving `--interface=eth0` and `any`. */
  readonly networkInterfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
}

export const DEFAULT_CONFIG_FILE = '/etc/rtpengine/rtpengine.conf';
export const DEFAULT_CONFIG_SECTION = 'rtpengine';

/**
 * rtpengine refuses to start without `--interface`. rtpengine-ts runs with no options at all instead, on
 * loopback only: with no `--interface` these interfaces are used; with no `--listen-*` option at all,
 * `defaultListenNg` is; and when both were missing and no `--table` is given, forwarding is userspace (-1).
 */
export const defaultInterfaces: readonly InterfaceSpec[] = Object.freeze([
  Object.freeze({ name: 'default', address: '127.0.0.1', advertised: null, family: 'IP4' as const }),
]);
export const defaultListenNg: readonly ListenAddr[] = Object.freeze([
  Object.freeze({ host: '127.0.0.1', port: 2223 }),
]);

/** The listen options whose presence means "the control side is configured", as rtpengine counts them. */
const LISTEN_OPTIONS = [
  'listen-ng',
  'listen-tcp-ng',
  'listen-udp',
  'listen-tcp',
  'listen-http',
  'listen-https',
];

const ENDPOINT_LEARNING: readonly EndpointLearning[] = ['delayed', 'immediate', 'off', 'heuristic'];

type Source = 'cli' | 'file';

function invalid(long: string, value: string, why?: string): ConfigError {
  return new ConfigError(`Invalid value for --${long}: '${value}'${why === undefined ? '' : ` (${why})`}`);
}

/**
 * GLib reads command-line integers like C's strtol with base 0 (`0x10` is 16, `010` is 8) and config-file
 * integers in base 10; both must fit a 32-bit int.
 */
function parseInteger(text: string, source: Source): number | null {
  const s = text.trim();
  let n: number;
  if (source === 'cli' && /^[+-]?0x[0-9a-f]+$/i.test(s)) {
    n = Number.parseInt(s.replace(/0x/i, ''), 16);
  } else if (source === 'cli' && /^[+-]?0[0-7]+$/.test(s)) {
    n = Number.parseInt(s, 8);
  } else if (/^[+-]?\d+$/.test(s)) {
    n = Number.parseInt(s, 10);
  } else {
    return null;
  }
  return n >= -2147483648 && n <= 2147483647 ? n : null;
}

function parseFloatValue(text: string): number | null {
  const s = text.trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : null;
}

/** Reads one key of the file as its option's kind. */
function fromFile(spec: OptionSpec, entry: KeyFileEntry): RawValue {
  switch (spec.kind) {
    case 'flag':
      return keyFileBoolean(entry);
    case 'list':
      return keyFileStringList(entry);
    default:
      return keyFileString(entry);
  }
}

/** GLib refuses an ill-formed number while parsing, for every option, implemented or not. */
function checkSyntax(spec: OptionSpec, value: RawValue, source: Source): void {
  if (typeof value !== 'string') return;
  if (spec.kind === 'int' && parseInteger(value, source) === null) throw invalid(spec.long, value);
  if (spec.kind === 'float' && parseFloatValue(value) === null) throw invalid(spec.long, value);
}

function isEnoent(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}

function asText(value: RawValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function loadConfig(argv: readonly string[], opts: LoadConfigOptions = {}): LoadedConfig {
  const readFile = opts.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const nics = opts.networkInterfaces ?? osNetworkInterfaces;

  let cli: ReadonlyMap<string, ArgValue>;
  let help: boolean;
  try {
    ({ values: cli, help } = parseArgv(argv));
  } catch (err) {
    if (err instanceof ArgvError) throw new ConfigError(err.message);
    throw err;
  }
  const nothingLoaded = (extra: Partial<LoadedConfig>): LoadedConfig => ({
    config: buildConfig(new Map(), new Map(), null, DEFAULT_CONFIG_SECTION, nics).config,
    unimplemented: [],
    keyFile: null,
    subSections: [],
    embeddedDefaults: [],
    ...extra,
  });
  if (help) return nothingLoaded({ helpText: formatHelp() });
  for (const [long, value] of cli) checkSyntax(optionByLong(long) as OptionSpec, value, 'cli');

  const fileArg = asText(cli.get('config-file'));
  const section = asText(cli.get('config-section')) ?? DEFAULT_CONFIG_SECTION;
  const path = fileArg ?? DEFAULT_CONFIG_FILE;
  let keyFile: KeyFile | null = null;
  let configFile: string | null = null;
  if (path !== 'none') {
    let text: string | null = null;
    try {
      text = readFile(path);
    } catch (err) {
      // Only the default file may be absent: a file asked for by name must be there.
      if (!(isEnoent(err) && fileArg === undefined)) {
        throw new ConfigError(`Failed to load config file '${path}': ${(err as Error).message}`);
      }
    }
    if (text !== null) {
      try {
        keyFile = parseKeyFile(text);
      } catch (err) {
        if (err instanceof KeyFileError)
          throw new ConfigError(`Failed to load config file '${path}': ${err.message}`);
        throw err;
      }
      configFile = path;
    }
  }

  const merged = new Map<string, RawValue>();
  const sources = new Map<string, Source>();
  const unimplemented: string[] = [];
  if (keyFile !== null) {
    const group = keyFile.groups.get(section);
    if (group === undefined) throw new ConfigError(`Config file '${path}' has no section [${section}]`);
    for (const entry of group.entries.values()) {
      const spec = optionByLong(entry.key);
      // rtpengine ignores keys it does not know, and the file cannot redirect itself.
      if (spec === undefined || spec.long === 'config-file' || spec.long === 'config-section') continue;
      let value: RawValue;
      try {
        value = fromFile(spec, entry);
      } catch (err) {
        if (err instanceof KeyFileError) {
          throw new ConfigError(`Invalid value for --${spec.long} in '${path}': ${err.message}`);
        }
        throw err;
      }
      checkSyntax(spec, value, 'file');
      merged.set(spec.long, value);
      sources.set(spec.long, 'file');
    }
  }
  // The command line wins; a list given there replaces the file's list, as GLib's second parse does.
  for (const [long, value] of cli) {
    merged.set(long, value);
    sources.set(long, 'cli');
  }
  for (const long of merged.keys()) {
    if (optionByLong(long)?.implemented === false) unimplemented.push(long);
  }
  const subSections = keyFile === null ? [] : subSectionNames(keyFile, section);

  if (merged.get('version') === true) {
    return nothingLoaded({ version: true, unimplemented, keyFile, subSections });
  }
  const { config, embeddedDefaults } = buildConfig(merged, sources, configFile, section, nics);
  return { config, unimplemented, keyFile, subSections, embeddedDefaults };
}

function buildConfig(
  raw: ReadonlyMap<string, RawValue>,
  sources: ReadonlyMap<string, Source>,
  configFile: string | null,
  configSection: string,
  nics: () => NodeJS.Dict<NetworkInterfaceInfo[]>,
): { config: RtpengineConfig; embeddedDefaults: LoadedConfig['embeddedDefaults'] } {
  const int = (long: string, min: number, max: number, range: string): number => {
    const value = raw.get(long);
    if (typeof value !== 'string') return optionByLong(long)?.default as number;
    const n = parseInteger(value, sources.get(long) ?? 'cli');
    if (n === null) throw invalid(long, value);
    if (n < min || n > max) throw invalid(long, value, range);
    return n;
  };
  const flag = (long: string): boolean => raw.get(long) === true;
  const INT_MAX = 2147483647;

  const portMin = int('port-min', 1, 65535, 'must be 1..65535');
  const portMax = int('port-max', 1, 65535, 'must be 1..65535');
  if (portMin > portMax) {
    throw invalid('port-min', String(raw.get('port-min') ?? portMin), `greater than --port-max ${portMax}`);
  }

  const embeddedDefaults: LoadedConfig['embeddedDefaults'] = [];
  const interfaceSpecs = raw.get('interface');
  let interfaces: InterfaceSpec[];
  if (Array.isArray(interfaceSpecs) && interfaceSpecs.length > 0) {
    interfaces = interfaceSpecs.flatMap((spec) => parseInterface(spec, nics));
  } else {
    interfaces = [...defaultInterfaces];
    embeddedDefaults.push('interface');
  }

  const listen = (long: string): ListenAddr[] => {
    const value = asText(raw.get(long));
    if (value === undefined) return [];
    try {
      return parseListenAddr(value);
    } catch (err) {
      if (err instanceof ConfigError) throw invalid(long, value, err.message);
      throw err;
    }
  };
  let listenNg = listen('listen-ng');
  const listenTcpNg = listen('listen-tcp-ng');
  const listenCli = listen('listen-cli');
  const listenHttp = listen('listen-http');
  const listenUdp = listen('listen-udp');
  const listenTcp = listen('listen-tcp');
  const nonNegative = (long: string): number => {
    const value = raw.get(long);
    if (typeof value !== 'string') return optionByLong(long)?.default as number;
    const n = parseFloatValue(value);
    if (n === null) throw invalid(long, value);
    if (n < 0) throw invalid(long, value, 'must not be negative');
    return n;
  };
  const xmlrpcFormat = int('xmlrpc-format', 0, 2, 'must be 0, 1 or 2') as 0 | 1 | 2;
  const b2bUrl = asText(raw.get('b2b-url'));
  if (!LISTEN_OPTIONS.some((o) => raw.has(o))) {
    listenNg = [...defaultListenNg];
    embeddedDefaults.push('listen-ng');
  }

  let table = int('table', -1, INT_MAX, 'must be -1 or more');
  if (embeddedDefaults.length === 2 && !raw.has('table')) {
    table = -1;
    embeddedDefaults.push('table');
  }

  const learning = asText(raw.get('endpoint-learning')) ?? 'delayed';
  if (!(ENDPOINT_LEARNING as readonly string[]).includes(learning)) {
    throw invalid('endpoint-learning', learning, `must be one of ${ENDPOINT_LEARNING.join(', ')}`);
  }
  const pidfile = asText(raw.get('pidfile'));

  const config: RtpengineConfig = {
    interfaces: Object.freeze(interfaces.map((i) => Object.freeze(i))),
    listenNg: Object.freeze(listenNg.map((l) => Object.freeze(l))),
    listenTcpNg: Object.freeze(listenTcpNg.map((l) => Object.freeze(l))),
    listenCli: Object.freeze(listenCli.map((l) => Object.freeze(l))),
    listenHttp: Object.freeze(listenHttp.map((l) => Object.freeze(l))),
    listenUdp: Object.freeze(listenUdp.map((l) => Object.freeze(l))),
    listenTcp: Object.freeze(listenTcp.map((l) => Object.freeze(l))),
    maxLoad: nonNegative('max-load'),
    maxCpu: nonNegative('max-cpu'),
    maxBandwidth: int('max-bandwidth', 0, INT_MAX, 'must not be negative'),
    b2bUrl: b2bUrl === undefined || b2bUrl === '' ? null : b2bUrl,
    xmlrpcFormat,
    cdr: raw.has('log-facility-cdr'),
    dtmfDigitDelay: int('dtmf-digit-delay', -INT_MAX - 1, INT_MAX, 'must be an integer'),
    portMin,
    portMax,
    timeout: int('timeout', 0, INT_MAX, 'must not be negative'),
    silentTimeout: int('silent-timeout', 0, INT_MAX, 'must not be negative'),
    finalTimeout: int('final-timeout', 0, INT_MAX, 'must not be negative'),
    offerTimeout: int('offer-timeout', 0, INT_MAX, 'must not be negative'),
    deleteDelay: int('delete-delay', 0, INT_MAX, 'must not be negative'),
    maxSessions: int('max-sessions', -1, INT_MAX, '-1 for unlimited, or a limit'),
    numThreads: raw.has('num-threads')
      ? int('num-threads', 1, 1024, 'must be at least 1')
      : availableParallelism(),
    tos: int('tos', 0, 255, 'must be 0..255'),
    endpointLearning: learning as EndpointLearning,
    logLevel: int('log-level', 0, 7, 'must be 0..7'),
    logStderr: flag('log-stderr'),
    foreground: flag('foreground'),
    pidfile: pidfile === undefined || pidfile === '' ? null : pidfile,
    table,
    noFallback: flag('no-fallback'),
    configFile,
    configSection,
    raw: new Map([...raw].map(([k, v]) => [k, Array.isArray(v) ? (Object.freeze([...v]) as string[]) : v])),
  };
  return { config: Object.freeze(config), embeddedDefaults };
}

/** fe80::/10 addresses need a scope to be usable; rtpengine leaves them out when it expands a system interface. */
function isLinkLocal6(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address);
}

/**
 * `[NAME/]IP[!ADVERTISED]`. IP is an IPv4 or IPv6 literal (brackets allowed), a system interface name such as
 * `eth0` (all its addresses, both families, no IPv6 link-local) or `any` (the same over every non-loopback
 * interface). rtpengine would also try DNS for anything else; rtpengine-ts refuses it, since loading is synchronous.
 */
export function parseInterface(
  spec: string,
  nics: () => NodeJS.Dict<NetworkInterfaceInfo[]> = osNetworkInterfaces,
): InterfaceSpec[] {
  const fail = (why: string): ConfigError => invalid('interface', spec, why);
  const slash = spec.indexOf('/');
  const name = slash < 0 ? 'default' : spec.slice(0, slash);
  if (name === '') throw fail('empty interface name');
  const rest = slash < 0 ? spec : spec.slice(slash + 1);
  const bang = rest.indexOf('!');
  const addressPart = unbracket(bang < 0 ? rest : rest.slice(0, bang));
  const advertisedPart = bang < 0 ? null : unbracket(rest.slice(bang + 1));
  if (advertisedPart !== null && isIP(advertisedPart) === 0) {
    throw fail(`advertised address '${advertisedPart}' is not an IP address`);
  }
  const make = (address: string, family: 4 | 6): InterfaceSpec => ({
    name,
    address,
    advertised: advertisedPart,
    family: family === 4 ? 'IP4' : 'IP6',
  });
  const literal = isIP(addressPart);
  if (literal !== 0) return [make(addressPart, literal as 4 | 6)];

  const all = nics();
  const infos =
    addressPart === 'any'
      ? Object.values(all).flatMap((list) => (list ?? []).filter((i) => !i.internal))
      : (all[addressPart] ?? []);
  const usable = infos.filter((i) => !(i.family === 'IPv6' && isLinkLocal6(i.address)));
  if (usable.length === 0) {
    throw fail(
      all[addressPart] === undefined && addressPart !== 'any'
        ? 'not an IP address or a system interface'
        : `system interface '${addressPart}' has no usable address`,
    );
  }
  // IPv4 first, as rtpengine lists them.
  return [
    ...usable.filter((i) => i.family === 'IPv4').map((i) => make(i.address, 4)),
    ...usable.filter((i) => i.family === 'IPv6').map((i) => make(i.address, 6)),
  ];
}

function unbracket(address: string): string {
  return address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * `PORT`, `IP:PORT`, `[IPv6]:PORT`, `IPv6:PORT` (split at the last colon) or `HOSTNAME:PORT`. As rtpengine does,
 * a bare port listens on both 0.0.0.0 and ::, and `localhost` means 127.0.0.1. Port 0 (any free port) is allowed.
 * Throws a ConfigError whose message is the reason only; the caller names the option.
 */
export function parseListenAddr(value: string): ListenAddr[] {
  const port = (text: string): number => {
    if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new ConfigError('port must be 0..65535');
    return Number(text);
  };
  if (/^\d+$/.test(value)) {
    const p = port(value);
    return [
      { host: '0.0.0.0', port: p },
      { host: '::', port: p },
    ];
  }
  const colon = value.lastIndexOf(':');
  if (colon < 0) throw new ConfigError('expected [IP46|HOSTNAME:]PORT');
  const host = unbracket(value.slice(0, colon));
  const p = port(value.slice(colon + 1));
  if (isIP(host) !== 0) return [{ host, port: p }];
  if (host.toLowerCase() === 'localhost') return [{ host: '127.0.0.1', port: p }];
  if (HOSTNAME.test(host) && !/^[\d.]+$/.test(host)) return [{ host, port: p }];
  throw new ConfigError(`'${host}' is not an IP address or host name`);
}

/** An option's effective value: what was given, else rtpengine's default from the option table. */
export function optionValue(
  config: RtpengineConfig,
  long: string,
): RawValue | number | null | readonly string[] {
  const given = config.raw.get(long);
  if (given !== undefined) return given;
  const spec = OPTIONS.find((o) => o.long === long);
  if (spec === undefined) throw new Error(`no option --${long}`);
  return spec.default;
}
