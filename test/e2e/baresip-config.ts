/**
 * A baresip configuration directory for one user agent that needs no sound card: it sends a sine tone of
 * its own frequency (`ausine`), plays what it receives into an unconnected `aubridge` device, and
 * `sndfile` dumps the decoded audio to a WAV file the test reads afterwards. It registers at the core,
 * answers calls on its own and takes commands over `ctrl_tcp` on its namespace's loopback.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const BARESIP_CTRL_PORT = 4444;

export interface AgentSettings {
  readonly user: string;
  readonly address: string;
  readonly registrar: string;
  readonly toneHz: number;
}

/** Writes `config` and `accounts` under `dir`; returns the folder where the WAV dumps will appear. */
export function writeBaresipConfig(dir: string, agent: AgentSettings): string {
  const soundDir = join(dir, 'snd');
  mkdirSync(soundDir, { recursive: true });
  const config = [
    'poll_method epoll',
    `sip_listen ${agent.address}:5060`,
    `audio_player aubridge,sink-${agent.user}`,
    `audio_alert aubridge,sink-${agent.user}`,
    `audio_source ausine,${agent.toneHz}`,
    // ausine only produces 48 kHz stereo; baresip resamples to the 8 kHz mono of G.711.
    'ausrc_srate 48000',
    'ausrc_channels 2',
    'rtp_ports 20000-20999',
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module ausine.so',
    'module aubridge.so',
    'module sndfile.so',
    'module_app account.so',
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen 127.0.0.1:${BARESIP_CTRL_PORT}`,
    `snd_path ${soundDir}`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'config'), config);
  writeFileSync(join(dir, 'accounts'), `<sip:${agent.user}@${agent.registrar}>;regint=600;answermode=auto\n`);
  return soundDir;
}
