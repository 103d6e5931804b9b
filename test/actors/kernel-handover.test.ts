/**
 * The call actors' side of kernel forwarding, against a kernel table whose nft is a recorder (no kernel needed):
 * a call's RTP pair is handed to the table once both endpoints are confirmed, a re-INVITE takes it back and hands
 * it over again, and a crash of the call's actors, a timeout or a delete removes it. (test/kernel/ runs the same
 * with the real kernel in network namespaces.)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Daemon, startDaemon } from '../../actors/system.ts';
import { KernelTable, type NftRunner } from '../../kernel/table.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { NgDict } from '../../src/ng/types.ts';
import { mediaPort, sdpFor } from '../helpers/daemon.ts';
import { NgClient, str } from '../helpers/ng-client.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

class RecordingNft implements NftRunner {
  readonly scripts: string[] = [];
  run(script: string): string {
    this.scripts.push(script);
    return script.startsWith('list') ? JSON.stringify({ nftables: [] }) : '';
  }
  close(): void {}
  /** fwd_v4 elements (one per direction of a pair) added and deleted so far. */
  count(kind: 'add' | 'delete'): number {
    let n = 0;
    const re = new RegExp(`^${kind} element \\S+ \\S+ fwd_v4 \\{ (.*) \\}$`);
    for (const s of this.scripts)
      for (const line of s.split('\n')) {
        const m = re.exec(line);
        if (m) n += (m[1] ?? '').split(', ').length;
      }
    return n;
  }
}

const nft = new RecordingNft();
let daemon: Daemon;
let ng: NgClient;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  daemon = await startDaemon({
    settings: {
      interfaces: [{ name: 'default', address: '127.0.0.1', advertised: null, family: 'IP4' }],
      portMin: 48000 + (process.pid % 20) * 100,
      portMax: 48000 + (process.pid % 20) * 100 + 99,
      timeout: 2,
      silentTimeout: 3600,
      finalTimeout: 0,
      offerTimeout: 3600,
      deleteDelay: 0,
      maxSessions: -1,
      endpointLearning: 'immediate',
      tos: 0,
    },
    listenNg: [{ host: '127.0.0.1', port: 0 }],
    listenTcpNg: [],
    log: silentLogger,
    timeoutScanMs: 100,
    kernelTable: KernelTable.open(7, { nft, reader: nft }),
  });
  ng = new NgClient('127.0.0.1', daemon.ngPorts[0]!);
});

after(async () => {
  ng.close();
  await daemon.stop();
});

async function liveCall(callId: string): Promise<{ alice: RtpPeer; bob: RtpPeer; close: () => void }> {
  const alice = await RtpPeer.open();
  const bob = await RtpPeer.open();
  const o = await ng.request({
    command: 'offer',
    'call-id': callId,
    'from-tag': 'A',
    sdp: sdpFor(alice.port),
  });
  const a = await ng.request({
    command: 'answer',
    'call-id': callId,
    'from-tag': 'A',
    'to-tag': 'B',
    sdp: sdpFor(bob.port),
  });
  // one packet each way confirms both endpoints (immediate learning)
  await alice.send(rtpPacket(1), mediaPort(str(a.sdp)));
  await bob.send(rtpPacket(1), mediaPort(str(o.sdp)));
  await sleep(80);
  return {
    alice,
    bob,
    close: () => {
      alice.close();
      bob.close();
    },
  };
}

function kernelized(q: NgDict, tag: string): boolean {
  const medias = ((q.tags as NgDict)[tag] as NgDict).medias as NgDict[];
  const rtp = ((medias[0] as NgDict).streams as NgDict[])[0] as NgDict;
  return (rtp.flags as string[]).includes('kernelized');
}

test('a call goes to the kernel once both endpoints are confirmed, and a re-INVITE takes it back and over again', async () => {
  const added = nft.count('add');
  const call = await liveCall('kh-1');
  try {
    assert.equal(nft.count('add') - added, 2, 'one element per direction of the RTP pair');
    assert.ok(kernelized(await ng.request({ command: 'query', 'call-id': 'kh-1' }), 'A'));
    const deleted = nft.count('delete');
    const re = await ng.request({
      command: 'offer',
      'call-id': 'kh-1',
      'from-tag': 'A',
      'to-tag': 'B',
      sdp: sdpFor(call.alice.port),
    });
    assert.equal(re.result, 'ok');
    await sleep(80);
    assert.equal(nft.count('delete') - deleted, 2, 'the re-INVITE took the pair back');
    assert.equal(nft.count('add') - added, 4, 'and, endpoints unchanged, handed it over again');
    assert.ok(kernelized(await ng.request({ command: 'query', 'call-id': 'kh-1' }), 'A'));
  } finally {
    await ng.request({ command: 'delete', 'call-id': 'kh-1' });
    call.close();
  }
});

test("a crash of the call's actors removes its kernel pair", async () => {
  const call = await liveCall('kh-2');
  try {
    const deleted = nft.count('delete');
    assert.ok(daemon.injectFault('kh-2', 'media'));
    await sleep(100);
    assert.equal(daemon.registry.get('kh-2'), undefined);
    assert.equal(nft.count('delete') - deleted, 2);
  } finally {
    call.close();
  }
});

test('a kernelized call without traffic times out, and its pair goes with it', async () => {
  const call = await liveCall('kh-3');
  try {
    const deleted = nft.count('delete');
    for (let i = 0; i < 40 && daemon.registry.get('kh-3'); i++) await sleep(100);
    assert.equal(daemon.registry.get('kh-3'), undefined, 'timed out (--timeout=2, no kernel traffic)');
    await sleep(50);
    assert.equal(nft.count('delete') - deleted, 2);
  } finally {
    call.close();
  }
});

test('delete removes the pair at once', async () => {
  const call = await liveCall('kh-4');
  try {
    const deleted = nft.count('delete');
    assert.equal((await ng.request({ command: 'delete', 'call-id': 'kh-4', 'from-tag': 'A' })).result, 'ok');
    await sleep(50);
    assert.equal(nft.count('delete') - deleted, 2);
  } finally {
    call.close();
  }
});

test('with the unidirectional flag, one confirmed side is enough to hand a call to the kernel', async () => {
  const alice = await RtpPeer.open();
  const bob = await RtpPeer.open();
  try {
    const added = nft.count('add');
    await ng.request({
      command: 'offer',
      'call-id': 'kh-5',
      'from-tag': 'A',
      sdp: sdpFor(alice.port),
      flags: ['unidirectional'],
    });
    const a = await ng.request({
      command: 'answer',
      'call-id': 'kh-5',
      'from-tag': 'A',
      'to-tag': 'B',
      sdp: sdpFor(bob.port),
    });
    // only alice sends; bob stays silent
    await alice.send(rtpPacket(1), mediaPort(str(a.sdp)));
    await sleep(80);
    assert.equal(nft.count('add') - added, 2, 'the one-way call went to the kernel');
    assert.ok(kernelized(await ng.request({ command: 'query', 'call-id': 'kh-5' }), 'A'));
  } finally {
    await ng.request({ command: 'delete', 'call-id': 'kh-5' });
    alice.close();
    bob.close();
  }
});

test('without it, a call where only one side has sent stays in userspace', async () => {
  const alice = await RtpPeer.open();
  const bob = await RtpPeer.open();
  try {
    const added = nft.count('add');
    await ng.request({ command: 'offer', 'call-id': 'kh-6', 'from-tag': 'A', sdp: sdpFor(alice.port) });
    const a = await ng.request({
      command: 'answer',
      'call-id': 'kh-6',
      'from-tag': 'A',
      'to-tag': 'B',
      sdp: sdpFor(bob.port),
    });
    await alice.send(rtpPacket(1), mediaPort(str(a.sdp)));
    await sleep(80);
    assert.equal(nft.count('add') - added, 0);
  } finally {
    await ng.request({ command: 'delete', 'call-id': 'kh-6' });
    alice.close();
    bob.close();
  }
});
