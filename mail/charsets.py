"""Bytes to text in every charset Japanese mailers send, including the ones Python's codecs reject.

Windows mailers write ISO-2022-JP with the NEC and IBM extensions (①, ㈱, ㍻: CP50220/50221)
and label CP932 as Shift_JIS; Python's codecs reject the first and mis-decode the second
(shared/notes/mail-servers.md, "Japanese charsets"). The tested way: turn each JIS pair into
Shift_JIS arithmetically and decode as cp932.

An unlabelled body is tried as UTF-8, then CP932 and EUC-JP (the one that reads as kana wins:
charset-normalizer alone took short EUC-JP Japanese for Korean), and only then handed to
charset-normalizer, limited to the code pages customers plausibly use.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re
from collections.abc import Callable
from email.message import Message
from functools import lru_cache

from charset_normalizer import from_bytes

_ESC = 0x1B
# Labels that mean a Microsoft superset in practice.
_ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "csshiftjis": "cp932",
    "x-ms-cp932": "cp932",
    "euc-jp": "euc_jis_2004",
    "x-euc-jp": "euc_jis_2004",
    "eucjp": "euc_jis_2004",
    "cp51932": "euc_jis_2004",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "us-ascii": "utf-8",  # 8-bit bytes under an ASCII label are nearly always UTF-8
    "ascii": "utf-8",
    "unknown-8bit": "",
    "x-unknown": "",
}
_JIS_LABELS = {"iso-2022-jp", "iso-2022-jp-1", "iso-2022-jp-2", "iso-2022-jp-3", "iso-2022-jp-ms",
               "iso-2022-jp-ext", "csiso2022jp", "cp50220", "cp50221", "cp50222"}  # fmt: skip
_UNDECLARED_TRIES = ("utf-8",)
# What else customers' mailers plausibly send unlabelled; a free guess picks exotic code pages.
_DETECTABLE = ("cp1252", "iso8859_15", "gb18030", "big5", "cp949", "koi8_r", "cp1251")
_LONGEST_CHAR = 4  # bytes: a decode error this near the end is a character cut in two
_DETECT_LIMIT = 64 * 1024  # charset detection looks at this much; enough to tell a charset
# Labels under which valid multi-byte UTF-8 is far likelier than the Latin text they claim.
_SINGLE_BYTE_LATIN = frozenset({"latin-1", "iso8859-1", "cp1252", "iso8859-15", "ascii"})


def iso2022jp_to_cp932(data: bytes) -> bytes:
    """ISO-2022-JP (with the NEC/IBM rows Windows writes) as Shift_JIS/CP932 bytes."""
    out = bytearray()
    mode = "ascii"
    i, n = 0, len(data)
    while i < n:
        byte = data[i]
        if byte == _ESC and i + 2 < n:
            seq = data[i + 1 : i + 3]
            if seq in (b"$B", b"$@"):
                mode, i = "jis", i + 3
                continue
            if seq in (b"(B", b"(J", b"(H"):
                mode, i = "ascii", i + 3
                continue
            if seq == b"(I":
                mode, i = "kana", i + 3
                continue
            if seq == b"$(" and i + 3 < n:  # JIS X 0212/0213: no CP932 form; kept as 〓 below
                mode, i = "other", i + 4
                continue
        if byte == 0x0E:  # SO: half-width katakana
            mode, i = "kana", i + 1
            continue
        if byte == 0x0F:  # SI
            mode, i = "ascii", i + 1
            continue
        if byte in (0x0A, 0x0D):  # a line end resets to ASCII in practice
            out.append(byte)
            mode, i = "ascii", i + 1
            continue
        if mode in ("jis", "other") and i + 1 < n and 0x21 <= byte <= 0x7E:
            j1, j2 = byte, data[i + 1]
            if mode == "other" or not 0x21 <= j2 <= 0x7E:
                out += "〓".encode("cp932")
            else:
                out += _pair_to_cp932(j1, j2)
            i += 2
            continue
        if mode == "kana" and 0x21 <= byte <= 0x5F:
            out.append(byte + 0x80)
        else:
            out.append(byte)
        i += 1
    return bytes(out)


def _pair_to_cp932(j1: int, j2: int) -> bytes:
    """One JIS X 0208 pair as Shift_JIS (the arithmetic in shared/notes/mail-servers.md)."""
    s1 = ((j1 + 1) >> 1) + (0x70 if j1 <= 0x5E else 0xB0)
    if j1 & 1:
        return bytes((s1, j2 + 0x1F + (1 if j2 + 0x1F >= 0x7F else 0)))
    return bytes((s1, j2 + 0x7E))


def _nec_pair(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a JIS pair Python rejects, read as Windows does (CP932)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    pair = error.object[error.start : error.end]
    if len(pair) == 2 and all(0x21 <= byte <= 0x7E for byte in pair):
        return _pair_to_cp932(pair[0], pair[1]).decode("cp932", "replace"), error.end
    return "\ufffd", error.end


_NEC_PAIRS = "otasuke-iso2022jp-nec"
codecs.register_error(_NEC_PAIRS, _nec_pair)


@lru_cache(maxsize=256)
def codec_for(label: str | None) -> str | None:
    """The Python codec to read a charset label with; None for no label or one we don't know."""
    if not label:
        return None
    name = label.strip().strip('"').lower()
    if name in _JIS_LABELS:
        return "iso-2022-jp"
    name = _ALIASES.get(name, name)
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, label: str | None = None, *, cut: bool = False) -> tuple[str, str]:
    """The text and how it was decoded; never raises (a wrong or missing label is guessed).

    `cut`: the bytes were truncated, so the last character may be missing its end.
    """
    codec = codec_for(label)
    if b"\x1b$" in data or b"\x1b(" in data:
        # Escape sequences say ISO-2022-JP whatever the label (or none) says. Python's codec
        # (fast) reads JIS X 0208 and hands each pair it rejects (Outlook's NEC/IBM rows) to
        # _nec_pair; anything stranger goes through the byte-by-byte conversion.
        text = data.decode("iso2022_jp", _NEC_PAIRS)
        if "\ufffd" not in text:
            return text, "iso-2022-jp (NEC/IBM rows as CP932)"
        return iso2022jp_to_cp932(data).decode("cp932", "replace"), "iso-2022-jp (cp932 pairs)"
    if codec in _SINGLE_BYTE_LATIN and _looks_utf8(data):
        # A Latin label on UTF-8 bytes (a mailer's default left in place): Latin would "work".
        return data.decode("utf-8"), f"utf-8 (labelled {label})"
    if codec is not None:
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError as exc:
            if cut and exc.start >= len(data) - _LONGEST_CHAR:  # cut mid-character
                return data[: exc.start].decode(codec, "replace"), codec
            # else a wrong label: guess below
    if not any(b > 0x7F for b in data):
        return data.decode("ascii"), codec or "ascii"
    for name in _UNDECLARED_TRIES:
        try:
            return data.decode(name), f"{name} (guessed)"
        except UnicodeDecodeError as exc:
            if cut and exc.start >= len(data) - _LONGEST_CHAR:
                return data[: exc.start].decode(name, "replace"), f"{name} (guessed)"
    guess = _detect(data, cut)
    if guess is not None:
        return guess
    return data.decode("cp932", "replace"), "cp932 (fallback, with replacements)"


def _detect(data: bytes, cut: bool) -> tuple[str, str] | None:
    # CP932 and EUC-JP are by far the likeliest; strict decoding decides most bodies at once.
    sample, cut = data[:_DETECT_LIMIT], cut or len(data) > _DETECT_LIMIT
    fits = {
        name: text for name in ("cp932", "euc_jis_2004") if (text := _decoded(sample, name, cut))
    }
    if fits:
        # Both may decode; the right one reads as Japanese (kana), the wrong one as stray kanji.
        name = max(fits, key=lambda name: _kana_share(fits[name]))
        if _kana_share(fits[name]) > 0.1 or len(fits) == 1:
            return data.decode(name, "replace"), f"{name} (guessed)"
    best = from_bytes(sample, cp_isolation=list(_DETECTABLE)).best()
    if best is None:
        return None
    return data.decode(best.encoding, "replace"), f"{best.encoding} (charset-normalizer)"


def _looks_utf8(data: bytes) -> bool:
    if not any(b > 0x7F for b in data):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decoded(data: bytes, codec: str, cut: bool) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        if cut and exc.start >= len(data) - _LONGEST_CHAR:  # the sample's end cut a character
            return data[: exc.start].decode(codec, "replace")
        return None


def _kana_share(text: str) -> float:
    """The share of hiragana and katakana among the non-ASCII characters."""
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide:
        return 0.0
    return sum(1 for ch in wide if "\u3041" <= ch <= "\u30fe") / len(wide)


_ENCODED_WORD = re.compile(
    r"=\?([^?\s]+?)(?:\*[^?]*)?\?([bBqQ])\?([^?\s]*)\?=", re.ASCII
)  # RFC 2047 (and 2231's language tag)
_SURROGATE = re.compile("[\udc80-\udcff]")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")


def raw_values(message: Message, name: str) -> list[str]:
    """A header's values as written (compat32 would hand 8-bit ones back as Header objects)."""
    name = name.lower()
    return [str(value) for key, value in message.raw_items() if key.lower() == name]


def raw_value(message: Message, name: str) -> str | None:
    """The first value of a header as written, or None."""
    values = raw_values(message, name)
    return values[0] if values else None


def decode_header(value: str | None) -> str:
    """A header as text: encoded-words in any charset (ISO-2022-JP extensions too), raw 8-bit."""
    if not value:
        return ""
    if "=?" not in value and value.isascii():
        return " ".join(value.split())
    if _SURROGATE.search(value):
        # compat32 keeps raw 8-bit header bytes as surrogates: undo that and guess the charset.
        value = decode_bytes(value.encode("ascii", "surrogateescape"))[0]
    value = _BETWEEN_WORDS.sub(r"\1\2", value)  # whitespace between encoded-words is dropped
    value = _ENCODED_WORD.sub(_decode_word, value)
    return " ".join(value.split())


def _decode_word(match: re.Match[str]) -> str:
    label, kind, payload = match.groups()
    decoders: dict[str, Callable[[str], bytes]] = {"b": _b64, "q": _qp}
    try:
        data = decoders[kind.lower()](payload)
    except (ValueError, binascii.Error):
        return match[0]
    return decode_bytes(data, label)[0]


def _b64(payload: str) -> bytes:
    return base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)


def _qp(payload: str) -> bytes:
    return quopri.decodestring(payload.replace("_", " ").encode("ascii", "replace"), header=True)
