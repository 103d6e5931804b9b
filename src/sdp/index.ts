export {
  type AnswerCodecRules,
  answerFormats,
  type CodecSpec,
  codecOf,
  lostLeadClocks,
  namesCodecIn,
  type OfferCodecRules,
  offerFormats,
  parseCodecSpec,
  repacketizableFormats,
  strandedSupplemental,
  withClockCompanions,
} from './codecs.ts';
export { SDP_ERROR_REASONS, SdpError, type SdpErrorReason } from './errors.ts';
export type {
  SdpAddrType,
  SdpAttribute,
  SdpConnection,
  SdpDirection,
  SdpLine,
  SdpMedia,
  SdpOrigin,
  SdpRtcp,
  SdpRtpmap,
  SdpSession,
} from './model.ts';
export { isZeroAddress } from './model.ts';
export { planOptionsFromNg, type SdpNgOptions } from './ng-options.ts';
export { parseSdp, sdpUnusableReason } from './parse.ts';
export {
  hostCandidates,
  NO_REPLACE,
  nextOriginState,
  outgoingDirection,
  rewriteSdp,
  type SdpAddress,
  type SdpIcePlan,
  type SdpMediaPlan,
  type SdpOriginState,
  type SdpReplaceFlags,
  type SdpRewritePlan,
} from './rewrite.ts';
export { writeSdp } from './write.ts';
