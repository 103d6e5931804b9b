/**
 * The rtpmap rtpengine 10.5 writes for a static payload type that came without one. Recorded from
 * the real daemon: note 10 is mono and 11 stereo (the reverse of RFC 3551), and payload types it
 * does not know (1, 2, 19, 20, 35, any dynamic one) are written as `a=rtpmap:PT /0`.
 */
const STATIC_RTPMAPS: ReadonlyMap<string, string> = new Map([
  ['0', 'PCMU/8000'],
  ['3', 'GSM/8000'],
  ['4', 'G723/8000'],
  ['5', 'DVI4/8000'],
  ['6', 'DVI4/16000'],
  ['7', 'LPC/8000'],
  ['8', 'PCMA/8000'],
  ['9', 'G722/8000'],
  ['10', 'L16/44100'],
  ['11', 'L16/44100/2'],
  ['12', 'QCELP/8000'],
  ['13', 'CN/8000'],
  ['14', 'MPA/90000'],
  ['15', 'G728/8000'],
  ['16', 'DVI4/11025'],
  ['17', 'DVI4/22050'],
  ['18', 'G729/8000'],
  ['25', 'CelB/90000'],
  ['26', 'JPEG/90000'],
  ['28', 'nv/90000'],
  ['31', 'H261/90000'],
  ['32', 'MPV/90000'],
  ['33', 'MP2T/90000'],
  ['34', 'H263/90000'],
]);

/** The `encoding/clock[/channels]` text rtpengine writes for a payload type without a=rtpmap. */
export function defaultRtpmapText(payloadType: string): string {
  return STATIC_RTPMAPS.get(payloadType) ?? '/0';
}
