"""Names: mail headers and attachment names decoded as Chinese mail clients send them; file names made safe."""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import zipfile
from urllib.parse import unquote_to_bytes

# gb2312/gbk labels are decoded as gb18030, a superset: rare given-name characters (喆, 镕, 䶮)
# are outside gb2312, yet clients label GBK bytes "gb2312" all the time.
_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "csgb2312": "gb18030",
    "chinese": "gb18030",
    "big5": "big5hkscs",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
}
# an encoded word; RFC 2231 allows a language after the charset (=?utf-8*zh?B?...?=)
_WORD = re.compile(r"=\?([^?*\s]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")  # format characters: shown escaped
_SPACES = re.compile(r"[ \t\u3000]+")
_SECTION = re.compile(r"^([^*]+)\*(\d+)(\*?)$")
_HEX2 = re.compile(r"[0-9A-Fa-f]{2}")


def codec_of(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when the label is unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, label: str | None = None) -> str:
    """Bytes to text: the declared charset first, then UTF-8, then gb18030; never raises."""
    tried: list[str] = []
    for enc in (codec_of(label), "utf-8", "gb18030"):
        if enc is None or enc in tried:
            continue
        tried.append(enc)
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(codec_of(label) or "gb18030", errors="replace")


def raw_bytes(text: str) -> bytes:
    """The bytes a header was parsed from (8-bit bytes arrive as surrogate escapes)."""
    return text.encode("utf-8", "surrogateescape")


def recover_8bit(text: str) -> str:
    """Header text that carried raw 8-bit bytes (GBK from some servers) decoded properly."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return decode_bytes(raw_bytes(text))


def _word_bytes(encoding: str, payload: str) -> bytes:
    if encoding in "bB":
        clean = re.sub(r"[^A-Za-z0-9+/]", "", payload)
        clean += "=" * (-len(clean) % 4)
        try:
            return base64.b64decode(clean)
        except (binascii.Error, ValueError):
            return b""
    out = bytearray()
    k = 0
    data = payload.replace("_", " ")
    while k < len(data):
        ch = data[k]
        if ch == "=" and _HEX2.fullmatch(data[k + 1 : k + 3]):
            out.append(int(data[k + 1 : k + 3], 16))
            k += 3
            continue
        out += ch.encode("utf-8", "surrogateescape")
        k += 1
    return bytes(out)


def decode_words(text: str) -> str:
    """RFC 2047 encoded words anywhere in `text`, mixed with plain segments.

    Adjacent words of one charset are joined as bytes before decoding: Outlook splits a long name
    in the middle of a character. Whitespace between two encoded words is dropped (RFC 2047 §6.2).
    """
    pieces: list[tuple[str | None, bytes | str]] = []  # (codec, bytes) or (None, plain text)
    pos = 0
    for m in _WORD.finditer(text):
        plain = text[pos : m.start()]
        between_words = pieces and pieces[-1][0] is not None and not plain.strip()
        if plain and not between_words:
            pieces.append((None, plain))
        enc = codec_of(m.group(1)) or "?"
        data = _word_bytes(m.group(2), m.group(3))
        if pieces and pieces[-1][0] == enc:
            prev = pieces[-1][1]
            assert isinstance(prev, bytes)
            pieces[-1] = (enc, prev + data)
        else:
            pieces.append((enc, data))
        pos = m.end()
    if not pieces:
        return text
    tail = text[pos:]
    if tail:
        pieces.append((None, tail))
    out = []
    for enc, part in pieces:
        if enc is None:
            assert isinstance(part, str)
            out.append(part)
        else:
            assert isinstance(part, bytes)
            out.append(decode_bytes(part, None if enc == "?" else enc))
    return "".join(out)


def header_text(raw: str | None) -> str:
    """A raw header value as readable text: unfolded, 8-bit bytes and encoded words decoded."""
    if raw is None:
        return ""
    text = recover_8bit(_FOLD.sub("", str(raw)))
    for _ in range(3):  # some clients encode an already encoded name again
        decoded = decode_words(text)
        if decoded == text:
            break
        text = decoded
    return _SPACES.sub(" ", _CONTROL.sub(" ", _FORMAT_CHARS.sub(_escaped, text))).strip()


def split_params(value: str) -> tuple[str, dict[str, str]]:
    """`main; a=1; b="x;y"` → ("main", {"a": "1", "b": "x;y"}); tolerant of broken quoting."""
    value = _FOLD.sub("", value)
    parts: list[str] = []
    buf: list[str] = []
    quoted = escaped = False
    for ch in value:
        if escaped:
            buf.append(ch)
            escaped = False
        elif quoted and ch == "\\":
            buf.append(ch)
            escaped = True
        elif ch == '"':
            quoted = not quoted
            buf.append(ch)
        elif ch == ";" and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    main = parts[0].strip().lower()
    params: dict[str, str] = {}
    for part in parts[1:]:
        key, eq, val = part.partition("=")
        key = key.strip().lower()
        if not eq or not key or key in params:
            continue
        val = val.strip()
        if val.startswith('"'):
            inner = val[1:]
            end = _closing_quote(inner)
            val = inner[:end] if end >= 0 else inner
            # only \" and \\ are escapes: old clients send Windows paths with bare backslashes
            val = re.sub(r'\\(["\\])', r"\1", val)
        params[key] = val
    return main, params


def _closing_quote(s: str) -> int:
    k = 0
    while k < len(s):
        if s[k] == "\\":
            k += 2
            continue
        if s[k] == '"':
            return k
        k += 1
    return -1


def param_text(params: dict[str, str], key: str) -> str | None:
    """A parameter's text, from RFC 2231 (`key*`, `key*0*`, `key*1` …) or the plain `key`.

    Continuations are joined as bytes before decoding, so a character split across two sections
    (which makes CPython's own decoder fail) comes out whole."""
    ext = params.get(key + "*")
    if ext is not None:
        return header_text(_rfc2231([(ext, True)]))
    sections: dict[int, tuple[str, bool]] = {}
    for name, val in params.items():
        m = _SECTION.match(name)
        if m and m.group(1) == key:
            sections.setdefault(int(m.group(2)), (val, bool(m.group(3))))
    if sections:
        ordered = [sections[k] for k in sorted(sections)]
        return header_text(_rfc2231(ordered))
    plain = params.get(key)
    return header_text(plain) if plain is not None else None


def _rfc2231(sections: list[tuple[str, bool]]) -> str:
    charset = None
    data = bytearray()
    for k, (val, extended) in enumerate(sections):
        if k == 0 and extended and val.count("'") >= 2:
            charset, _lang, val = val.split("'", 2)
        data += unquote_to_bytes(val) if extended else raw_bytes(val)
    return decode_bytes(bytes(data), charset)


def clean_name(name: str | None) -> str:
    """An attachment name fit to show (not yet fit for a path: see `safe_name`): controls gone,
    invisible format characters (RLO, zero-width, BOM) shown as <U+202E>, so that a name that
    would display reversed shows what it is."""
    if not name:
        return ""
    base = re.split(r"[\\/]", name)[-1]  # a client that sends a whole path: keep its last part
    return _SPACES.sub(" ", _CONTROL.sub("", _FORMAT_CHARS.sub(_escaped, base))).strip()


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """Zip member names: UTF-8 when flagged, else (Chinese Windows) GBK, read as gb18030."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*\\/\ud800-\udfff]")
# Unicode's invisible format characters (category Cf: bidi overrides and isolates, zero-width
# space and joiners, the BOM, soft hyphen …) and line/paragraph separators: in a file name they
# only deceive ("报告\u202excod.exe" shows as "报告exe.docx")
_FORMAT_CHARS = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
# what clean_name and display_name show them as
_ESCAPED_FORMAT = re.compile(r"<U\+[0-9A-F]{4,6}>")


def _escaped(m: re.Match[str]) -> str:
    return f"<U+{ord(m.group()):04X}>"


# file systems count bytes (255), and a Chinese character is three of them in UTF-8
MAX_NAME_BYTES = 180

_DISPLAY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")

_SURROGATE = re.compile("[\ud800-\udfff]")


def safe_name(name: str, limit: int = 120) -> str:
    """A file name that cannot escape a folder: no directories, .., control or reserved characters,
    and short enough in bytes for any file system. Invisible format characters (and their shown
    form <U+202E>) are dropped: a name written never displays other than it is."""
    base = name.replace("\\", "/").split("/")[-1]
    base = _FORMAT_CHARS.sub("", _ESCAPED_FORMAT.sub("", base))
    base = _UNSAFE.sub("_", base).strip(" .")
    if not base or set(base) <= {"."}:
        base = "unnamed"
    stem, dot, ext = base.rpartition(".")
    if not dot or len(ext) > 8:
        stem, dot, ext = base, "", ""
    while len(base) > limit or len(base.encode("utf-8")) > MAX_NAME_BYTES:
        keep = min(len(stem) - 1, limit - len(ext) - 10)
        stem = stem[: max(keep, 0)]
        base = stem + "…" + dot + ext
    return base


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or "name(2).xlsx", "name(3).xlsx" … when an equal one (case aside) is in `taken`;
    the name returned is added to `taken`."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, k = name, 1
    while candidate.lower() in taken:
        k += 1
        candidate = f"{stem}({k}).{ext}" if ext else f"{stem}({k})"
    taken.add(candidate.lower())
    return candidate


def display_name(text: str) -> str:
    """A path as users see it: undecodable bytes read as GBK where they can be, controls as ?,
    invisible format characters (RLO, zero-width space, BOM) as <U+202E>."""
    if _SURROGATE.search(text):
        try:
            raw = text.encode("utf-8", "surrogateescape")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            text = _SURROGATE.sub("\ufffd", text)
    return _DISPLAY_CONTROL.sub("?", _FORMAT_CHARS.sub(_escaped, text))
