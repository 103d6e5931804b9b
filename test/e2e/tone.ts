/**
 * Reads the 16-bit PCM WAV files baresip's `sndfile` module writes and measures how strong a given tone
 * is in them, so the test can tell that alice heard bob's tone and not her own or silence.
 */
import { readFileSync } from 'node:fs';

export interface PcmAudio {
  readonly sampleRate: number;
  readonly samples: Int16Array;
}

/**
 * The header's data length is only final once baresip closes the file, so the samples are taken as
 * everything after the `data` chunk header, whatever length the header claims.
 */
export function readPcmWav(path: string): PcmAudio {
  const file = readFileSync(path);
  if (
    file.length < 44 ||
    file.toString('latin1', 0, 4) !== 'RIFF' ||
    file.toString('latin1', 8, 12) !== 'WAVE'
  ) {
    throw new Error(`${path} is not a WAV file`);
  }
  let sampleRate = 0;
  let channels = 1;
  let offset = 12;
  while (offset + 8 <= file.length) {
    const id = file.toString('latin1', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    if (id === 'fmt ') {
      channels = file.readUInt16LE(offset + 10);
      sampleRate = file.readUInt32LE(offset + 12);
    } else if (id === 'data') {
      const start = offset + 8;
      const frameCount = Math.floor((file.length - start) / (2 * channels));
      const samples = new Int16Array(frameCount);
      for (let i = 0; i < frameCount; i++) samples[i] = file.readInt16LE(start + i * 2 * channels);
      return { sampleRate, samples };
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error(`${path} has no data chunk`);
}

/** Goertzel power of `frequencyHz` over the whole signal, normalised by its length. */
export function tonePower(audio: PcmAudio, frequencyHz: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequencyHz) / audio.sampleRate);
  let previous = 0;
  let beforePrevious = 0;
  for (const sample of audio.samples) {
    const current = sample + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  const power =
    previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious;
  return audio.samples.length === 0 ? 0 : power / audio.samples.length;
}
