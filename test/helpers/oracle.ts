/** Debian's rtpengine 10.5 run in userspace on loopback, as the oracle some tests compare our answers with. */
import { type ChildProcess, spawn } from 'node:child_process';

export const RTPENGINE = '/usr/bin/rtpengine';

/** Starts it with its ng listener on 127.0.0.1:ngPort, media ports in [mediaMin, mediaMax], calls deleted at once. */
export function spawnRtpengine(
  ngPort: number,
  mediaMin: number,
  mediaMax: number,
  extra: string[] = [],
): ChildProcess {
  return spawn(
    RTPENGINE,
    [
      '--config-file=none',
      '-t',
      '-1',
      '-f',
      '-E',
      '-i',
      '127.0.0.1',
      `--listen-ng=127.0.0.1:${ngPort}`,
      ...extra,
      '-m',
      String(mediaMin),
      '-M',
      String(mediaMax),
      '--delete-delay=0',
    ],
    { stdio: 'ignore' },
  );
}
