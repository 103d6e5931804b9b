import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { NetworkInterfaceInfo } from 'node:os';
import { test } from 'node:test';
import {
  ConfigError,
  DEFAULT_CONFIG_FILE,
  defaultInterfaces,
  defaultListenNg,
  type LoadConfigOptions,
  loadConfig,
  optionValue,
  parseInterface,
  parseListenAddr,
} from '../../../src/config/config.ts';
import { formatHelp } from '../../../src/config/options.ts';

const debianConf = readFileSync(
  new URL('../../fixtures/config/debian-rtpengine.conf', import.meta.url),
  'utf8',
);

function nic(address: string, family: 'IPv4' | 'IPv6', internal: boolean): NetworkInterfaceInfo {
  const base = { address, netmask: '', mac: '00:00:00:00:00:00', internal, cidr: null };
  return family === 'IPv4' ? { ...base, family } : { ...base, family, scopeid: 0 };
}

/** A host with loopback and one Ethernet card that has a link-local IPv6 address too. */
const nics = () => ({
  lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
  eth0: [nic('192.0.2.2', 'IPv4', false), nic('fd00::2', 'IPv6', false), nic('fe80::1', 'IPv6', false)],
});

/** Files in memory; anything else is missing (ENOENT), like the real file system. */
function files(map: Record<string, string>): LoadConfigOptions {
  return {
    networkInterfaces: nics,
    readFile: (path) => {
      const text = map[path];
      if (text === undefined)
        throw Object.assign(new Error(`ENOENT: no such file '${path}'`), { code: 'ENOENT' });
      return text;
    },
  };
}

const noFile = files({});
const base = ['--config-file=none', '-i', '127.0.0.1', '-n', '127.0.0.1:2223'];

test("with nothing given, every implemented option has rtpengine's default", () => {
  const { config, unimplemented, embeddedDefaults } = loadConfig(base, noFile);
  assert.equal(config.portMin, 30000);
  assert.equal(config.portMax, 40000);
  assert.equal(config.timeout, 60);
  assert.equal(config.silentTimeout, 3600);
  assert.equal(config.finalTimeout, 0);
  assert.equal(config.offerTimeout, 3600);
  assert.equal(config.deleteDelay, 30);
  assert.equal(config.maxSessions, -1);
  assert.equal(config.tos, 0);
  assert.equal(config.endpointLearning, 'delayed');
  assert.equal(config.logLevel, 6);
  assert.equal(config.logStderr, false);
  assert.equal(config.foreground, false);
  assert.equal(config.pidfile, null);
  assert.equal(config.table, 0);
  assert.equal(config.noFallback, false);
  assert.deepEqual(config.listenTcpNg, []);
  assert.equal(config.configFile, null);
  assert.equal(config.configSection, 'rtpengine');
  assert.deepEqual(unimplemented, []);
  assert.deepEqual(embeddedDefaults, []);
});

test('rtpengine test invocation -t -1 -f -E -i IP --listen-ng=IP:PORT loads as meant', () => {
  const { config } = loadConfig(
    ['--config-file=none', '-t', '-1', '-f', '-E', '-i', '203.0.113.1', '--listen-ng=127.0.0.1:2300'],
    noFile,
  );
  assert.equal(config.table, -1);
  assert.equal(config.foreground, true);
  assert.equal(config.logStderr, true);
  assert.deepEqual(config.interfaces, [
    { name: 'default', address: '203.0.113.1', advertised: null, family: 'IP4' },
  ]);
  assert.deepEqual(config.listenNg, [{ host: '127.0.0.1', port: 2300 }]);
});

test('precedence: the command line overrides the file, which overrides the defaults', () => {
  const conf =
    '[rtpengine]\nport-min = 31000\nport-max = 32000\ntimeout = 90\nforeground = true\ninterface = a/10.0.0.1;b/10.0.0.2\nlog-stderr = false\n';
  const opts = files({ '/c.conf': conf });
  const fromFile = loadConfig(['--config-file=/c.conf'], opts).config;
  assert.equal(fromFile.portMin, 31000);
  assert.equal(fromFile.timeout, 90);
  assert.equal(fromFile.foreground, true);
  assert.equal(fromFile.silentTimeout, 3600, 'untouched options keep their default');
  assert.deepEqual(
    fromFile.interfaces.map((i) => `${i.name}/${i.address}`),
    ['a/10.0.0.1', 'b/10.0.0.2'],
  );
  const overridden = loadConfig(
    ['--config-file=/c.conf', '-m', '31500', '-o', '5', '-E', '-i', 'c/10.0.0.3'],
    opts,
  ).config;
  assert.equal(overridden.portMin, 31500);
  assert.equal(overridden.portMax, 32000);
  assert.equal(overridden.timeout, 5);
  assert.equal(overridden.logStderr, true, 'a command-line flag beats the file saying false');
  assert.deepEqual(
    overridden.interfaces.map((i) => `${i.name}/${i.address}`),
    ['c/10.0.0.3'],
    'a list on the command line replaces the file list',
  );
  assert.equal(overridden.raw.get('port-min'), '31500');
  assert.equal(overridden.raw.get('port-max'), '32000');
});

test('--config-section picks another group, and [SECTION-name] groups are listed as sub-sections', () => {
  const conf = '[rtpengine]\ntos = 1\n[other]\ntos = 2\n[other-x]\n[rtpengine-y]\n';
  const opts = files({ '/c.conf': conf });
  const main = loadConfig(['--config-file=/c.conf'], opts);
  assert.equal(main.config.tos, 1);
  assert.deepEqual(main.subSections, ['y']);
  const other = loadConfig(['--config-file=/c.conf', '--config-section=other'], opts);
  assert.equal(other.config.tos, 2);
  assert.equal(other.config.configSection, 'other');
  assert.deepEqual(other.subSections, ['x']);
  assert.ok(other.keyFile?.groups.has('rtpengine-y'));
});

test('the default config file is read when present, and its absence is fine', () => {
  const present = loadConfig([], files({ [DEFAULT_CONFIG_FILE]: '[rtpengine]\ntos = 7\n' }));
  assert.equal(present.config.tos, 7);
  assert.equal(present.config.configFile, DEFAULT_CONFIG_FILE);
  const absent = loadConfig([], noFile);
  assert.equal(absent.config.configFile, null);
});

test('an explicit config file that is missing is fatal, and none reads no file', () => {
  assert.throws(
    () => loadConfig(['--config-file=/nope.conf'], noFile),
    /Failed to load config file '\/nope.conf'/,
  );
  let reads = 0;
  loadConfig(['--config-file=none'], {
    readFile: () => {
      reads++;
      return '';
    },
  });
  assert.equal(reads, 0);
});

test('a config file without the wanted section, or with a broken line, is fatal', () => {
  const opts = files({ '/c.conf': '[other]\ntos = 1\n', '/bad.conf': '[rtpengine]\ngarbage\n' });
  assert.throws(() => loadConfig(['--config-file=/c.conf'], opts), /no section \[rtpengine\]/);
  assert.throws(() => loadConfig(['--config-file=/bad.conf'], opts), /line 2/);
});

test('a wrong value in the file names the option; unknown keys are ignored as rtpengine does', () => {
  const opts = files({
    '/a.conf': '[rtpengine]\nforeground = yes\n',
    '/b.conf': '[rtpengine]\nport-min = 3x\n',
    '/c.conf': '[rtpengine]\nno-such-option = 1\ninterface = 127.0.0.1\n',
  });
  assert.throws(() => loadConfig(['--config-file=/a.conf'], opts), /--foreground.*line 2/);
  assert.throws(() => loadConfig(['--config-file=/b.conf'], opts), /Invalid value for --port-min: '3x'/);
  assert.equal(loadConfig(['--config-file=/c.conf'], opts).config.raw.has('no-such-option'), false);
});

test('every invalid value is a ConfigError that names its option', () => {
  const cases: [string[], string][] = [
    [['-m', 'abc'], 'port-min'],
    [['-m', '0'], 'port-min'],
    [['-M', '70000'], 'port-max'],
    [['-m', '500', '-M', '400'], 'port-min'],
    [['-o', '-5'], 'timeout'],
    [['-s', '-1'], 'silent-timeout'],
    [['-a', '-1'], 'final-timeout'],
    [['--offer-timeout=-1'], 'offer-timeout'],
    [['-d', '-1'], 'delete-delay'],
    [['--max-sessions=-2'], 'max-sessions'],
    [['-T', '256'], 'tos'],
    [['-L', '9'], 'log-level'],
    [['-t', '-2'], 'table'],
    [['-t', '1.5'], 'table'],
    [['--endpoint-learning=sometimes'], 'endpoint-learning'],
    [['-i', 'bogus'], 'interface'],
    [['-i', '127.0.0.1!bogus'], 'interface'],
    [['-i', '/127.0.0.1'], 'interface'],
    [['-n', 'bogus:x'], 'listen-ng'],
    [['-n', '*:2223'], 'listen-ng'],
    [['-N', '127.0.0.1:70000'], 'listen-tcp-ng'],
    [['-n', 'nocolon'], 'listen-ng'],
    [['--max-load=abc'], 'max-load'],
    [['--redis-expires=x'], 'redis-expires'],
    [['--xyz'], 'xyz'],
  ];
  for (const [args, option] of cases) {
    assert.throws(
      () => loadConfig(['--config-file=none', ...args], files({})),
      (err: unknown) => err instanceof ConfigError && err.message.includes(`--${option}`),
      `${args.join(' ')} should name --${option}`,
    );
  }
  assert.throws(() => loadConfig(['--config-file=none', '-m', 'abc'], noFile), {
    message: "Invalid value for --port-min: 'abc'",
  });
  assert.throws(() => loadConfig(['--xyz'], noFile), {
    name: 'ConfigError',
    message: 'Unknown option --xyz',
  });
});

test('command-line integers read like C strtol base 0, file integers in base 10', () => {
  assert.equal(loadConfig([...base, '-T', '0x10'], noFile).config.tos, 16);
  assert.equal(loadConfig([...base, '-T', '010'], noFile).config.tos, 8);
  const opts = files({ '/c.conf': '[rtpengine]\ntos = 010\n' });
  assert.equal(loadConfig(['--config-file=/c.conf', '-i', '127.0.0.1'], opts).config.tos, 10);
});

test('--interface takes NAME/IP!ADVERTISED in IPv4 and IPv6, brackets allowed', () => {
  assert.deepEqual(parseInterface('ext/192.0.2.10!203.0.113.5', nics), [
    { name: 'ext', address: '192.0.2.10', advertised: '203.0.113.5', family: 'IP4' },
  ]);
  assert.deepEqual(parseInterface('2001:db8::1', nics), [
    { name: 'default', address: '2001:db8::1', advertised: null, family: 'IP6' },
  ]);
  assert.deepEqual(parseInterface('v6/[::1]![2001:db8::9]', nics), [
    { name: 'v6', address: '::1', advertised: '2001:db8::9', family: 'IP6' },
  ]);
});

test('--interface resolves a system interface name to its addresses, without IPv6 link-local ones', () => {
  assert.deepEqual(parseInterface('eth0', nics), [
    { name: 'default', address: '192.0.2.2', advertised: null, family: 'IP4' },
    { name: 'default', address: 'fd00::2', advertised: null, family: 'IP6' },
  ]);
  assert.deepEqual(
    parseInterface('x/lo!1.2.3.4', nics).map((i) => [i.name, i.address, i.advertised]),
    [
      ['x', '127.0.0.1', '1.2.3.4'],
      ['x', '::1', '1.2.3.4'],
    ],
  );
  assert.deepEqual(
    parseInterface('any', nics).map((i) => i.address),
    ['192.0.2.2', 'fd00::2'],
    'any leaves loopback out',
  );
  assert.throws(() => parseInterface('eth9', nics), /Invalid value for --interface: 'eth9'/);
});

test('--listen-ng: a bare port listens on 0.0.0.0 and ::, localhost means 127.0.0.1, IPv6 with or without brackets', () => {
  assert.deepEqual(parseListenAddr('2223'), [
    { host: '0.0.0.0', port: 2223 },
    { host: '::', port: 2223 },
  ]);
  assert.deepEqual(parseListenAddr('localhost:2223'), [{ host: '127.0.0.1', port: 2223 }]);
  assert.deepEqual(parseListenAddr('[::1]:2223'), [{ host: '::1', port: 2223 }]);
  assert.deepEqual(parseListenAddr('::1:2223'), [{ host: '::1', port: 2223 }]);
  assert.deepEqual(parseListenAddr('ng.example.com:9'), [{ host: 'ng.example.com', port: 9 }]);
  assert.deepEqual(parseListenAddr('127.0.0.1:0'), [{ host: '127.0.0.1', port: 0 }]);
  const { config } = loadConfig([...base, '-N', '[::1]:2224'], noFile);
  assert.deepEqual(config.listenTcpNg, [{ host: '::1', port: 2224 }]);
});

test('with no interface and no listen option the embedded loopback defaults apply, in userspace', () => {
  const { config, embeddedDefaults } = loadConfig(['--config-file=none'], noFile);
  assert.deepEqual(config.interfaces, defaultInterfaces);
  assert.deepEqual(config.listenNg, defaultListenNg);
  assert.deepEqual(config.listenNg, [{ host: '127.0.0.1', port: 2223 }]);
  assert.equal(config.interfaces[0]?.address, '127.0.0.1');
  assert.equal(config.table, -1);
  assert.deepEqual(embeddedDefaults, ['interface', 'listen-ng', 'table']);
});

test('embedded defaults fill only what is missing, and never a given --table', () => {
  const onlyInterface = loadConfig(['--config-file=none', '-i', '10.0.0.1'], noFile);
  assert.deepEqual(onlyInterface.config.listenNg, defaultListenNg);
  assert.equal(onlyInterface.config.table, 0);
  assert.deepEqual(onlyInterface.embeddedDefaults, ['listen-ng']);
  const onlyHttp = loadConfig(['--config-file=none', '-i', '10.0.0.1', '--listen-http=8080'], noFile);
  assert.deepEqual(onlyHttp.config.listenNg, [], 'another listen option counts as configured');
  const tableGiven = loadConfig(['--config-file=none', '-t', '3'], noFile);
  assert.equal(tableGiven.config.table, 3);
});

test('options given but not implemented are listed once, for one warning', () => {
  const opts = files({ '/c.conf': '[rtpengine]\nrecording-dir = /tmp\nredis = 1.2.3.4:6379/1\n' });
  const { unimplemented, config } = loadConfig(
    ['--config-file=/c.conf', '--redis=5.6.7.8:6379/2', '-f'],
    opts,
  );
  assert.deepEqual(unimplemented, ['recording-dir', 'redis']);
  assert.equal(config.raw.get('redis'), '5.6.7.8:6379/2');
  assert.equal(optionValue(config, 'redis-expires'), 86400, 'a default from the table');
  assert.equal(optionValue(config, 'recording-dir'), '/tmp');
});

test('--help returns the help text without reading the file or checking values', () => {
  const loaded = loadConfig(['--help', '-m', 'abc'], files({ [DEFAULT_CONFIG_FILE]: 'garbage' }));
  assert.equal(loaded.helpText, formatHelp());
});

test('--version is reported after the file is read but before values are checked, as rtpengine does', () => {
  assert.equal(loadConfig(['-v', '-i', 'bogus', '--config-file=none'], noFile).version, true);
  assert.throws(() => loadConfig(['-v', '--config-file=/missing'], noFile), ConfigError);
});

test('the config is read-only', () => {
  const { config } = loadConfig(base, noFile);
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.interfaces));
  assert.ok(Object.isFrozen(config.interfaces[0]));
});

test("Debian's example rtpengine.conf loads, both its main and its testing section", () => {
  const opts = files({ [DEFAULT_CONFIG_FILE]: debianConf });
  const main = loadConfig([], opts);
  assert.equal(main.config.configFile, DEFAULT_CONFIG_FILE);
  assert.deepEqual(
    main.config.interfaces.map((i) => i.address),
    ['192.0.2.2', 'fd00::2'],
  );
  assert.deepEqual(main.config.listenNg, [{ host: '127.0.0.1', port: 2223 }]);
  assert.equal(main.config.tos, 184);
  assert.equal(main.config.timeout, 60);
  assert.equal(main.config.table, 0);
  assert.deepEqual(main.unimplemented, ['recording-dir', 'recording-method']);
  assert.deepEqual(main.subSections, ['testing']);
  const testing = loadConfig(['--config-section=rtpengine-testing'], opts).config;
  assert.equal(testing.table, -1);
  assert.equal(testing.foreground, true);
  assert.equal(testing.logStderr, true);
  assert.equal(testing.logLevel, 7);
  assert.deepEqual(testing.listenNg, [
    { host: '0.0.0.0', port: 2223 },
    { host: '::', port: 2223 },
  ]);
});
