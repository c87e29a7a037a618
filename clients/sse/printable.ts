/**
 * Server-sent text made safe for a terminal. Symbols, `status.feed`, `end.reason`, ids, 400 bodies
 * and header values are chosen by whoever answers the URL (a proxy, a compromised stage, a typo'd
 * host), and JSON decoding turns `\u001b` into a real ESC: printed raw, such text can clear the
 * screen, forge lines, set the window title or, in terminals that honour OSC 52, write the user's
 * clipboard. C1 controls (U+0080–U+009F) are 8-bit escape introducers in some terminals, and bidi
 * overrides reorder what is shown (CVE-2021-42574, "Trojan Source").
 *
 * Every server-derived string the ticker and the load tester print goes through {@link printable}
 * (or {@link printableJson} for a JSON line). Browser-safe; the dashboard needs none of it, since
 * it writes only `textContent`.
 * @see https://invisible-island.net/xterm/ctlseqs/ctlseqs.html (C0, C1, OSC 52)
 * @see https://www.unicode.org/reports/tr9/#Explicit_Directional_Formatting_Characters
 */

/**
 * Characters that are not shown but act: C0, DEL and C1 controls (Cc), format characters (Cf: bidi
 * embeddings, overrides and isolates, zero-width joiners, the BOM, tag characters) and the line and
 * paragraph separators (Zl, Zp).
 */
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
/** The same class without the global flag, for a stateless `test()`. */
const HAS_CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** The longest server-derived string printed whole; a 16 KiB refusal body is cut to this. */
export const MAX_PRINTED_CHARS = 500;

/** Short escapes for the three controls people recognise; all of them are also JSON escapes. */
const SHORT: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** `\uXXXX` for every UTF-16 unit of `char`: readable, and a valid JSON string escape too. */
function escapeChar(char: string): string {
  const short = SHORT[char];
  if (short !== undefined) return short;
  let out = '';
  for (let i = 0; i < char.length; i++) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/**
 * `text` with every control, format and separator character replaced by a visible escape
 * (ESC → `\u001b`, newline → `\n`), cut to `maxChars` characters with `…`. Never throws; a
 * non-string is converted first.
 *
 * @example printable('\u001b]52;c;aGk=\u0007AAPL') // '\\u001b]52;c;aGk=\\u0007AAPL'
 */
export function printable(text: unknown, maxChars = MAX_PRINTED_CHARS): string {
  const s = typeof text === 'string' ? text : String(text);
  const cut = s.length > maxChars ? `${s.slice(0, maxChars)}…` : s;
  return cut.replace(CONTROL, escapeChar);
}

/**
 * A JSON text to print as one line: `raw` as received when it is already safe (the usual case, so
 * numbers keep their exact spelling), otherwise `value` serialised again with every control and
 * format character escaped inside its strings, which is the same JSON value. Not length-capped:
 * callers print what they already parsed, and the decoder bounds that.
 */
export function printableJson(raw: string, value: unknown): string {
  if (!HAS_CONTROL.test(raw)) return raw;
  // JSON.stringify leaves no whitespace outside strings, so every match below is inside one,
  // where `\uXXXX` means the very same character.
  return JSON.stringify(value).replace(CONTROL, escapeChar);
}
