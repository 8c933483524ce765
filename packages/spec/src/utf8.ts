const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The bytes as text, or undefined when they are not UTF-8 (overlong forms, surrogates, truncated
 * sequences included): a client's Latin-1 must be refused, not stored with U+FFFD in its place.
 * A leading byte order mark is dropped.
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence; -1 when all do. Only for messages. */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    // Allowed ranges of the second byte per lead byte (RFC 3629, table 3-7 of Unicode).
    let length: number;
    let min = 0x80;
    let max = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) min = 0xa0;
      if (lead === 0xed) max = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) min = 0x90;
      if (lead === 0xf4) max = 0x8f;
    } else return i;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined) return i;
      if (k === 1 ? next < min || next > max : next < 0x80 || next > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}
