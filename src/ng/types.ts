/**
 * The values an ng message carries once decoded, whatever its encoding (bencode or JSON).
 *
 * Bencode byte strings are decoded as latin1 ("binary") strings so that every byte survives a
 * round trip unchanged (an SDP with UTF-8 in `s=` comes back byte for byte); JSON strings are
 * ordinary UTF-8 text. A reply is encoded in the request's own encoding, so the two never mix.
 */
export type NgValue = string | number | boolean | null | NgValue[] | NgDict;

/** A dictionary with a null prototype: a key such as `__proto__` is an ordinary key here. */
export interface NgDict {
  [key: string]: NgValue;
}

export type NgEncoding = 'bencode' | 'json';
