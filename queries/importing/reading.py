"""Reading a delimited file into a staging table, accounting for every line.

DuckDB's CSV reader does the parsing (it is the speed floor). Around it this module
normalises what DuckDB cannot take directly (a BOM, Windows-1252 or UTF-16 text,
lines too long to parse), picks the delimiter from the header, and gives each
staged row the physical line it started on, so every message can name its line.
After the read it checks that header + rows + rejected lines + blank lines add up
to the lines in the file: a line DuckDB skipped silently would fail the import
rather than vanish.
"""

import csv
import hashlib
import io
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np

from queries.importing.errors import ImportFailed

#: Longest line handed to DuckDB; longer lines are rejected before parsing.
MAX_LINE_BYTES = 1_000_000
#: Longest field accepted in a row (checked per row, later).
MAX_FIELD_CHARS = 1_000
DELIMITERS = (",", ";", "\t", "|")
#: Characters DuckDB's file readers take as a pattern (``*``, ``?``, ``[...]``, ``{a,b}``).
GLOB_CHARACTERS = "*?[]{}"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass
class SourceText:
    """A file made ready for DuckDB: UTF-8, no BOM, known delimiter and header."""

    path: Path  # the file as given
    read_path: Path  # the file DuckDB reads (a normalised temporary copy when needed)
    _sha: "_Sha256"
    delimiter: str
    header: list[str]
    total_lines: int  # physical lines including the header
    has_quotes: bool
    notes: list[str] = field(default_factory=list)
    #: Lines refused before parsing, as (line, raw, reason).
    early_rejects: list[tuple[int, str, str]] = field(default_factory=list)
    #: Empty lines (DuckDB skips them; they still count as lines).
    blank_lines: list[int] = field(default_factory=list)
    _tmpdir: tempfile.TemporaryDirectory | None = None

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    def close(self) -> None:
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None


def prepare_text(path: Path, data: bytes | None = None, *, original: bytes | None = None) -> SourceText:
    """Check and normalise ``path`` for DuckDB.

    ``data`` is text converted from ``path`` (a spreadsheet, say) to read instead of
    the file, and ``original`` the file's own bytes, for its digest.
    """
    converted = data is not None
    if data is None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ImportFailed(path, "file not found") from None
        except IsADirectoryError:
            raise ImportFailed(path, "is a directory, not a file") from None
        except OSError as exc:
            raise ImportFailed(path, f"cannot be read: {exc.strerror or exc}") from None
    # hashlib releases the GIL on large buffers, so the digest overlaps the parsing.
    sha = _Sha256(original if original is not None else data)
    notes: list[str] = []
    rewritten = converted

    # DuckDB reads a path with glob characters as a pattern (``x[1].csv`` would read ``x1.csv``, ``a*.csv``
    # every match): such a file is read from a copy with a plain name.
    if any(c in str(path) for c in GLOB_CHARACTERS) or str(path).startswith("~"):
        rewritten = True
    text_bytes, encoding_note = _to_utf8(path, data)
    if encoding_note:
        notes.append(encoding_note)
        rewritten = True
    if text_bytes.startswith(b"\xef\xbb\xbf"):
        text_bytes = text_bytes[3:]
        rewritten = True
    if not text_bytes.strip():
        raise ImportFailed(path, "the file is empty")
    text_bytes, newline_note = _normalise_newlines(text_bytes)
    if newline_note:
        notes.append(newline_note)
        rewritten = True

    total_lines = text_bytes.count(b"\n") + (0 if text_bytes.endswith(b"\n") else 1)
    first_line = text_bytes.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8")
    if "\x00" in first_line:
        raise ImportFailed(path, "the header line holds a NUL byte: is this a binary file?")
    delimiter, header = _sniff_header(path, first_line)
    if delimiter != ",":
        notes.append(f"Delimiter detected from the header: {DELIMITER_NAMES[delimiter]}.")

    # Lines too long to parse are looked for only when the parsed lines do not add up
    # (``stage``): DuckDB skips them, and scanning every file for them costs as much as parsing.
    early: list[tuple[int, str, str]] = []
    if b"\x00" in text_bytes:
        text_bytes, nul = _drop_nul_lines(text_bytes)
        early = sorted(early + nul)
        rewritten = True

    src = SourceText(
        path=path, read_path=path, _sha=sha, delimiter=delimiter, header=header,
        total_lines=total_lines, has_quotes=b'"' in text_bytes, notes=notes, early_rejects=early,
        blank_lines=_blank_lines(text_bytes, total_lines),
    )
    if rewritten:
        src._tmpdir = tempfile.TemporaryDirectory(prefix="hotspots-import-")
        src.read_path = Path(src._tmpdir.name) / "normalised.csv"
        src.read_path.write_bytes(text_bytes)
    return src


class _Sha256:
    """SHA-256 of a buffer, computed on a background thread."""

    def __init__(self, data: bytes):
        self._digest: str | None = None
        self._thread = threading.Thread(target=self._run, args=(data,), daemon=True)
        self._thread.start()

    def _run(self, data: bytes) -> None:
        self._digest = hashlib.sha256(data).hexdigest()

    def hexdigest(self) -> str:
        self._thread.join()
        return self._digest


def _to_utf8(path: Path, data: bytes) -> tuple[bytes, str | None]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").encode("utf-8"), "Decoded from UTF-16."
        except UnicodeDecodeError as exc:
            raise ImportFailed(path, f"starts with a UTF-16 mark but is not UTF-16 text ({exc.reason})") from None
    if data.startswith(BINARY_SIGNATURES):
        raise ImportFailed(path, "is a binary file, not delimited text (an .xlsx? use `import generic`)")
    if b"\x00" in data[:65536]:
        encoding = _bomless_utf16(data)
        if encoding is not None:
            try:
                return data.decode(encoding).encode("utf-8"), "Decoded from UTF-16 (no byte-order mark)."
            except UnicodeDecodeError as exc:
                raise ImportFailed(path, f"looks like UTF-16 text but is not ({exc.reason})") from None
        head = data[:65536]
        if len(head.translate(None, TEXT_BYTES)) > max(16, 0.01 * len(head)):
            raise ImportFailed(path, "is a binary file, not delimited text (an .xlsx? use `import generic`)")
        # Otherwise text with a stray NUL byte or two: ``prepare_text`` rejects those lines.
    if data.isascii():
        return data, None
    try:
        data.decode("utf-8")
        return data, None
    except UnicodeDecodeError:
        pass
    # Line by line, so a UTF-8 file with one line pasted from a Windows-1252 source keeps its
    # UTF-8 lines. Windows-1252 leaves five bytes undefined; Latin-1 maps every byte, so those fall back to it.
    text = "".join(_decode_line(chunk) for chunk in data.splitlines(keepends=True))
    return text.encode("utf-8"), "Not UTF-8: decoded as Windows-1252."


#: How files that are not text begin: zip (.xlsx, .docx), OLE (.xls), PDF, PNG, GIF, JPEG, gzip, SQLite.
BINARY_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b",
                     b"SQLite format 3")


#: Bytes that text holds; a file with more than 1% of others (control bytes), and more than a stray few, is binary.
TEXT_BYTES = bytes([9, 10, 13, *range(32, 256)])


def _bomless_utf16(data: bytes) -> str | None:
    """``utf-16-le`` or ``-be`` when ``data`` looks like UTF-16 text without a byte-order mark, else None.

    Delimited text is mostly ASCII, so in UTF-16 every other byte is zero; a binary file is not
    that regular.
    """
    head = data[:65536]
    if len(head) < 4 or len(head) % 2:
        return None
    even, odd = head[0::2], head[1::2]
    for encoding, zeros, text in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) >= 0.9 * len(zeros) and text.count(0) <= 0.01 * len(text):
            return encoding
    return None


def _decode_line(chunk: bytes) -> str:
    for encoding in ("utf-8", "cp1252"):
        try:
            return chunk.decode(encoding)
        except UnicodeDecodeError:
            pass
    return chunk.decode("latin-1")


def _normalise_newlines(data: bytes) -> tuple[bytes, str | None]:
    """LF and CRLF files pass as they are; any other mix of line ends becomes LF.

    DuckDB's reader wants one kind of line end per file: a bare CR, or LF and CRLF mixed
    (a spreadsheet's CRLF rows with LF line breaks inside cells, rows pasted from elsewhere),
    stops it or garbles its error reports. So CRLF, CR and LF each end a line, and become LF
    (a CRLF inside a quoted cell of such a file is read as LF).
    """
    cr = data.count(b"\r")
    if cr == 0:
        return data, None
    lf, crlf = data.count(b"\n"), data.count(b"\r\n")
    if cr == crlf == lf:
        return data, None
    note = ("Line ends are CR only (old Mac): read as lines." if lf == 0
            else "Line ends are mixed (CRLF, LF or CR): each is read as a line end.")
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n"), note


def _sniff_header(path: Path, first_line: str) -> tuple[str, list[str]]:
    if not first_line.strip():
        raise ImportFailed(path, "the first line is empty: expected a header with named, delimited columns on line 1")
    best: tuple[int, str, list[str]] | None = None
    for delim in DELIMITERS:
        try:
            fields = next(csv.reader(io.StringIO(first_line), delimiter=delim), [])
        except csv.Error as exc:
            raise ImportFailed(path, f"the first line cannot be read as a header ({exc})") from None
        if best is None or len(fields) > best[0]:
            best = (len(fields), delim, fields)
    _, delimiter, header = best
    header = [h.strip() for h in header]
    if len(header) < 2:
        raise ImportFailed(
            path, f"the first line has one column ({first_line[:80]!r}): expected a header with named, delimited columns"
        )
    return delimiter, header


def _set_aside_long_lines(src: SourceText) -> bool:
    """Empty every line too long to parse in the file DuckDB reads, recording each as rejected."""
    data = src.read_path.read_bytes()
    if len(data) <= MAX_LINE_BYTES:
        return False
    cleaned, long_lines = _drop_long_lines(data)
    if not long_lines:
        return False
    src.early_rejects = sorted(src.early_rejects + long_lines)
    if src._tmpdir is None:
        src._tmpdir = tempfile.TemporaryDirectory(prefix="hotspots-import-")
        src.read_path = Path(src._tmpdir.name) / "normalised.csv"
    src.read_path.write_bytes(cleaned)
    return True


def _drop_long_lines(text_bytes: bytes) -> tuple[bytes, list[tuple[int, str, str]]]:
    arr = np.frombuffer(text_bytes, dtype=np.uint8)
    ends = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], ends + 1))
    ends = np.concatenate((ends, [len(text_bytes)]))
    long_idx = np.flatnonzero(ends - starts > MAX_LINE_BYTES)
    if long_idx.size == 0:
        return text_bytes, []
    rejects, pieces, cursor = [], [], 0
    for i in long_idx:
        s, e = int(starts[i]), int(ends[i])
        raw = text_bytes[s:e].decode("utf-8", errors="replace")
        rejects.append((int(i) + 1, raw[:200] + "...", f"line is {e - s:,} bytes long (limit {MAX_LINE_BYTES:,})"))
        pieces.append(text_bytes[cursor:s])
        # Keep an empty line (with its CR in a CRLF file) so physical line numbers after it do not move.
        cr = b"\r" if text_bytes[s:e].endswith(b"\r") else b""
        pieces.append(cr + b"\n" if e < len(text_bytes) else b"")
        cursor = e + 1
    pieces.append(text_bytes[cursor:])
    return b"".join(pieces), rejects


def _drop_nul_lines(text_bytes: bytes) -> tuple[bytes, list[tuple[int, str, str]]]:
    """Empty every line holding a NUL byte (binary debris in a text file), as rejected lines."""
    lines = text_bytes.split(b"\n")
    rejects = []
    for i, line in enumerate(lines):
        if b"\x00" in line:
            raw = line.rstrip(b"\r").replace(b"\x00", b"\\0").decode("utf-8", errors="replace")
            rejects.append((i + 1, raw[:2000], "the line holds a NUL byte (binary data, not text)"))
            lines[i] = b"\r" if line.endswith(b"\r") else b""
    return b"\n".join(lines), rejects


@dataclass
class Staged:
    """The staging table's name, its row count, and rows DuckDB refused to parse."""

    table: str
    rows: int
    parse_rejects: list[tuple[int, str, str]]  # (line, raw, reason)


#: DuckDB error types that mean a quote was opened and not closed where it should be.
QUOTE_ERRORS = ("UNQUOTED VALUE", "UNTERMINATED QUOTES")
UNTERMINATED = "a quote opened on this line is never closed (unterminated quote); the line was set aside"


def stage(con: duckdb.DuckDBPyConnection, src: SourceText, table: str) -> Staged:
    """Parse ``src`` into TEMP table ``table`` (columns c0..cN as VARCHAR plus ``line``).

    A field that opens a quote and never closes it makes a CSV parser read on through the
    following lines as one field, and DuckDB then rejects that whole stretch as one record
    (and, reading in parallel, does not always say where it began). Those good rows must not
    be lost: when a file with quotes shows a quoting error, or its lines do not add up, the
    file is scanned for such quotes (``unclosed_quotes``); each line that opens one is set
    aside as a rejected row (kept as an empty line, so line numbers do not move) and the file
    is read again. Files without quoting trouble are read once.
    """
    ncols = len(src.header)
    scanned = long_checked = False
    parallel = True
    empty_lines = list(src.blank_lines)  # every empty line, some perhaps inside quoted fields
    while True:
        try:
            rejects = _read(con, src, table, parallel)
        except ImportFailed:
            # DuckDB's parallel reader can fail outright on a quote left open before long lines of
            # multi-byte text ("Invalid unicode ... in segment statistics update"): before giving
            # up, set aside over-long lines, then lines that open a quote never closed, then read
            # on one thread.
            if not long_checked:
                long_checked = True
                if _set_aside_long_lines(src):
                    continue
            if src.has_quotes and not scanned:
                scanned = True
                culprits = unclosed_quotes(src.read_path.read_bytes(), src.delimiter)
                if culprits:
                    _set_aside(src, culprits, UNTERMINATED)
                    continue
            if parallel:
                parallel = False
                continue
            raise
        src.blank_lines = empty_lines
        parse_rejects = _locate(src, rejects, ncols)
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        spans = _spans(con, src, table, rows)
        if empty_lines and src.has_quotes and _accounted(src, spans, parse_rejects) != src.total_lines:
            src.blank_lines = _blank_between_rows(src, spans, parse_rejects)
        too_long = any(error_type == "LINE SIZE OVER MAXIMUM" for _, _, error_type, _ in rejects)
        if not long_checked and (too_long or _accounted(src, spans, parse_rejects) != src.total_lines):
            long_checked = True
            if _set_aside_long_lines(src):
                continue
        if scanned or not src.has_quotes:
            break
        trouble = any(error_type in QUOTE_ERRORS for _, _, error_type, _ in rejects)
        if not trouble and _accounted(src, spans, parse_rejects) == src.total_lines:
            break
        scanned = True
        culprits = unclosed_quotes(src.read_path.read_bytes(), src.delimiter)
        if not culprits:
            break
        _set_aside(src, culprits, UNTERMINATED)
    _attach_lines(con, src, table, rows, parse_rejects, spans)
    return Staged(table=table, rows=rows, parse_rejects=parse_rejects)


def unclosed_quotes(data: bytes, delimiter: str) -> list[int]:
    """Lines (1-based, after the header) that open a quoted field which runs on past its line
    and never closes properly (the closing quote is missing, or text follows it).

    The CSV rules are DuckDB's strict ones: a quote opens a quoted field only at the start of a
    field; inside one, ``""`` is a quote character; the closing quote must be followed by the
    delimiter or a line end. A quote elsewhere in an unquoted field is a plain character. A
    misplaced quote within one line is left to the parser, which rejects that line itself.
    """
    d = delimiter.encode()[0]
    first = data.find(b"\n") + 1
    if first == 0:
        return []
    culprits: list[int] = []
    line_at, line_no = 0, 1  # a position and its line, so line numbers are counted incrementally
    i = first
    while True:
        q = data.find(b'"', i)
        if q < 0:
            break
        if q > first and data[q - 1] not in (d, 10):
            i = q + 1  # a plain quote inside an unquoted field
            continue
        k = q + 1
        while True:
            k = data.find(b'"', k)
            if k < 0 or data[k + 1:k + 2] != b'"':
                break
            k += 2
        if k >= 0 and data[k + 1:k + 2] in (b"", b"\n", b"\r", bytes([d])):
            i = k + 1  # a quoted field, properly closed (line breaks inside are data)
            continue
        eol = data.find(b"\n", q)
        if eol >= 0 and (k < 0 or eol < k):  # it ran on past its own line
            line_no += data.count(b"\n", line_at, q)
            line_at = q
            culprits.append(line_no)
            i = eol + 1
        else:  # a misplaced quote within one line
            eol = data.find(b"\n", k)
            if eol < 0:
                break
            i = eol + 1
    return culprits


def _locate(src: SourceText, rejects, ncols: int) -> list[tuple[int, str, str]]:
    """DuckDB's rejects as (line, raw, reason), one per line (the first, in file order)."""
    if not rejects:
        return []
    data = src.read_path.read_bytes()
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    not_rows = {line for line, _, _ in src.early_rejects} | set(src.blank_lines)
    seen: dict[int, tuple[int, str, str]] = {}
    for line_byte, csv_line, error_type, message in rejects:
        # line_byte_position is 1-based; after a CRLF row it can point at the previous line's
        # line end rather than the first byte of the rejected line, so step over line ends.
        offset = line_byte - 1
        while offset < len(data) and data[offset] in b"\r\n":
            offset += 1
        line = int(np.searchsorted(newlines, offset)) + 1
        if offset >= len(data) or line in not_rows:
            continue  # a report about the end of the file or a line set aside, not about a row
        raw = (csv_line or "").strip("\r\n")
        if not raw:  # (DuckDB sometimes leaves the text out)
            end = newlines[line - 1] if line - 1 < len(newlines) else len(data)
            raw = data[offset:end].rstrip(b"\r").decode("utf-8", errors="replace")
        seen.setdefault(line, (line, raw, _duck_reason(error_type, message, ncols, raw)))
    return list(seen.values())


def _read(con, src: SourceText, table: str, parallel: bool = True) -> list[tuple[int, str, str, str]]:
    """One DuckDB read of ``src.read_path`` into ``table``; returns its rejects in file order.

    Each reject is (line_byte_position, csv_line, error_type, error_message). DuckDB's own
    ``line`` does not count line breaks inside quoted fields, so callers locate rejects by byte.
    """
    ncols = len(src.header)
    columns = {f"c{i}": "VARCHAR" for i in range(ncols)}
    rejects_table, rejects_scan = f"{table}_rejects", f"{table}_scans"
    for t in (table, rejects_table, rejects_scan):  # (a failed read may have left its rejects tables)
        con.execute(f"DROP TABLE IF EXISTS {t}")
    try:
        # compression 'none': a file's name (.gz, .zst) never decides how it is read (compressed
        # files are refused as binary before this).
        con.execute(
            f"""
            CREATE TEMP TABLE {table} AS
            SELECT row_number() OVER () + 1 AS line, *
            FROM read_csv(?, columns = {_duck_struct(columns)}, header = false, skip = 1,
                          auto_detect = false, delim = ?, quote = '"', escape = '"', compression = 'none',
                          max_line_size = {MAX_LINE_BYTES + 1024}, strict_mode = true,
                          store_rejects = true, rejects_table = '{rejects_table}',
                          rejects_scan = '{rejects_scan}', parallel = {str(parallel).lower()})
            """,
            [str(src.read_path), src.delimiter],
        )
    except duckdb.Error as exc:
        raise ImportFailed(src.path, f"could not be parsed as delimited text: {str(exc).splitlines()[0]}") from None
    order = f"FROM {rejects_table} ORDER BY line_byte_position, byte_position"
    try:
        rejects = con.execute(f"SELECT line_byte_position, csv_line, error_type, error_message {order}").fetchall()
    except duckdb.Error:
        # DuckDB can cut a rejected line's text inside a multi-byte character, and then cannot
        # read it back: the line's text is taken from the file instead (``_locate``).
        rejects = con.execute(f"SELECT line_byte_position, NULL, error_type, error_message {order}").fetchall()
    con.execute(f"DROP TABLE IF EXISTS {rejects_table}")
    con.execute(f"DROP TABLE IF EXISTS {rejects_scan}")
    return rejects


def _set_aside(src: SourceText, lines: list[int], reason: str) -> None:
    """Empty ``lines`` (1-based) in the file DuckDB reads, recording each as rejected with ``reason``."""
    data = src.read_path.read_bytes()
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(data)]))
    pieces, cursor = [], 0
    for line in sorted(set(lines)):
        s, e = int(starts[line - 1]), int(ends[line - 1])
        content = data[s:e]
        cr = b"\r" if content.endswith(b"\r") else b""
        raw = content.rstrip(b"\r").decode("utf-8", errors="replace")
        src.early_rejects.append((line, raw[:2000], reason))
        pieces += [data[cursor:s], cr]
        cursor = e
    pieces.append(data[cursor:])
    if src._tmpdir is None:
        src._tmpdir = tempfile.TemporaryDirectory(prefix="hotspots-import-")
        src.read_path = Path(src._tmpdir.name) / "normalised.csv"
    src.read_path.write_bytes(b"".join(pieces))


def _duck_struct(columns: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"


def _duck_reason(error_type: str, message: str, ncols: int, raw: str = "x") -> str:
    if not raw.strip():
        return "the row is empty (only spaces)"
    if error_type == "MISSING COLUMNS" or error_type == "TOO MANY COLUMNS":
        found = message.rsplit("Found:", 1)[-1].strip()
        return f"has {found} fields, the header has {ncols} (wrong delimiter or a stray delimiter in a field?)"
    if error_type in QUOTE_ERRORS:
        return "has a misplaced quote: text follows a closing quote, or a quote is never closed"
    if error_type == "INVALID UNICODE":
        return "has bytes that are not valid text"
    if error_type == "LINE SIZE OVER MAXIMUM":
        return f"line is {len(raw.encode()):,} bytes long (limit {MAX_LINE_BYTES:,})"
    return f"cannot be parsed ({error_type.lower()})"


def _spans(con, src: SourceText, table: str, rows: int) -> np.ndarray:
    """Physical lines each staged row takes (more than one when a quoted field holds line breaks)."""
    if not src.has_quotes:
        return np.ones(rows, dtype=np.int64)
    nl_expr = " + ".join(
        f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)" for i in range(len(src.header))
    )
    return np.array(
        [r[0] for r in con.execute(f"SELECT {nl_expr} FROM {table} ORDER BY line").fetchall()],
        dtype=np.int64,
    ) + 1


def _skipped(src: SourceText, parse_rejects) -> dict[int, int]:
    """{line: lines it takes} for every line that is not a staged row (refused, set aside or blank)."""
    skipped = {line: raw.count("\n") + 1 for line, raw, _ in parse_rejects}
    for line, _, _ in src.early_rejects:
        skipped[line] = 1
    for line in src.blank_lines:
        skipped.setdefault(line, 1)
    return skipped


def _blank_between_rows(src: SourceText, spans: np.ndarray, parse_rejects) -> list[int]:
    """The empty lines that are not inside a quoted field (``"first\n\nsecond"`` holds one).

    Rows and skipped lines are laid out in file order, as ``_attach_lines`` does: a row starts
    on the first line that is not skipped, and an empty line within a row's (or a refused
    record's) lines is part of it, not a blank line.
    """
    blank = set(src.blank_lines)
    skipped = _skipped(src, parse_rejects)
    inside: set[int] = set()

    def cover(first: int, width: int) -> None:
        if width > 1:
            inside.update(b for b in range(first + 1, first + width) if b in blank)

    line = 2
    for span in [*spans.tolist(), 0]:  # a last step of no row walks over trailing skipped lines
        while line in skipped and line not in inside:
            width = skipped[line]
            cover(line, width)
            line += width
        cover(line, span)
        line += span
    return sorted(blank - inside)


def _accounted(src: SourceText, spans: np.ndarray, parse_rejects) -> int:
    return 1 + int(spans.sum()) + sum(_skipped(src, parse_rejects).values())


def _attach_lines(con, src: SourceText, table: str, rows: int, parse_rejects, spans: np.ndarray) -> None:
    """Give every staged row its physical start line, and prove every line is accounted for."""
    skipped = _skipped(src, parse_rejects)
    blank = src.blank_lines

    # Start line of each row if nothing were skipped, then shift past every skipped line before it.
    naive = 2 + np.concatenate(([0], np.cumsum(spans)[:-1])) if rows else np.zeros(0, dtype=np.int64)
    if skipped:
        lines = np.array(sorted(skipped), dtype=np.int64)
        widths = np.array([skipped[x] for x in lines], dtype=np.int64)
        shift_before = np.concatenate(([0], np.cumsum(widths)[:-1]))
        q = lines - shift_before  # where each skipped line sits in the unshifted numbering
        k = np.searchsorted(q, naive, side="right")
        starts = naive + np.concatenate(([0], np.cumsum(widths)))[k]
    else:
        starts = naive
        widths = np.zeros(0, dtype=np.int64)

    accounted = 1 + int(spans.sum()) + int(widths.sum())
    if accounted != src.total_lines:
        raise ImportFailed(
            src.path,
            f"could not account for every line: the file has {src.total_lines:,} lines but the parser "
            f"returned {rows:,} rows, {len(parse_rejects):,} unparseable and {len(blank):,} blank lines; "
            "nothing was imported (is a quoted field left open?)",
        )
    if np.array_equal(starts, np.arange(2, rows + 2)):
        return  # the row numbers given at parse time are already the lines
    import pandas as pd

    # Staged rows are numbered 2, 3, ... in file order; move each to its real line.
    frame = pd.DataFrame({"rn": np.arange(2, rows + 2, dtype=np.int64), "real": starts.astype(np.int64)})
    con.register("_lines_frame", frame)
    con.execute(f"UPDATE {table} SET line = f.real FROM _lines_frame f WHERE {table}.line = f.rn")
    con.unregister("_lines_frame")


def _blank_lines(data: bytes, total_lines: int) -> list[int]:
    if b"\n\n" not in data and b"\n\r\n" not in data and not data.startswith((b"\n", b"\r\n")):
        return []
    out = []
    for i, line in enumerate(data.split(b"\n")[:total_lines], start=1):
        if not line.strip(b"\r"):
            out.append(i)
    return out
