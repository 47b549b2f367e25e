"""PDF, second look: pypdf reads every object, within limits of size, count and time."""
import io
import re
import time

from flask_babel import lazy_gettext as _l
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.filters import decode_stream_data
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject, read_object

from market.core.uploads.errors import PDF_ACTIVE_CONTENT, PDF_ENCRYPTED, PDF_UNCHECKABLE, UploadError
from market.core.uploads.pdf_screen import PDF_ACTIVE

# pypdf 7.1.1 (requirements.txt) reads the cross-reference data, parses objects and decodes
# filters; `inspect_pdf` walks every object itself, so what a viewer might run cannot hide
# where pypdf would not look. Uses only pypdf's public API: PdfReader (`xref`, `trailer`,
# `is_encrypted`, `read_object_header`), pypdf.generic.read_object, pypdf.filters.decode_stream_data
# and apply_configuration. tests/test_uploads.py (the bypass files) catches an upgrade that changes them.
#
# What is refused, wherever it appears (as a key or a name value) — the documents are
# opened by staff on their own computers, so nothing may run, open or send anything:
_PDF_FORBIDDEN_NAMES = frozenset({
    "/JavaScript", "/JS",  # scripts (actions, the document's /Names tree, form calculations)
    "/Launch",  # runs a program or opens a file
    "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/FileAttachment",  # attachments: an .exe inside a PDF
    "/XFA",  # XML forms, which carry their own scripts
    "/SubmitForm", "/ImportData",  # send form data to, or load it from, an address (or a \\server path)
    "/GoToR", "/GoToE",  # open another file: a \\server path leaks the Windows login of whoever opens it
    "/RichMedia", "/RichMediaExecute", "/RichMediaContent", "/3D",  # Flash, video, 3D: their own runtimes
    "/Rendition", "/Movie", "/Sound", "/Screen",  # media players started by actions
})
# Actions a viewer runs by itself (/OpenAction, /AA, and their /Next) may only move inside
# the document. A web link (/URI) is fine where someone clicks it (viewers ask first), but
# not opened by itself: that tells an outsider when and where staff read the file.
_PDF_AUTOMATIC_ACTIONS = frozenset({"/GoTo", "/Named", "/SetOCGState", "/Trans", "/Thread", "/Hide", "/ResetForm"})
# Image data is pixels (never read as PDF syntax): left encoded, it costs nothing.
_PDF_IMAGE_FILTERS = frozenset({"/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode"})
_PDF_MAX_OBJECTS = 50_000
_PDF_MAX_PAGES = 500
_PDF_MAX_STREAM = 16 * 1024 * 1024  # decoded size of one stream
_PDF_MAX_DECODED = 64 * 1024 * 1024  # of all streams together
_PDF_MAX_SECONDS = 5.0
_PDF_LIMITS = {
    "maximum_declared_stream_length": _PDF_MAX_STREAM,
    "zlib_maximum_output_length": _PDF_MAX_STREAM,
    "zlib_maximum_recovery_input_length": 256 * 1024,  # damaged data is retried byte by byte
    "lzw_maximum_output_length": _PDF_MAX_STREAM,
    "run_length_maximum_output_length": _PDF_MAX_STREAM,
    "brotli_maximum_output_length": _PDF_MAX_STREAM,
    "array_based_stream_maximum_output_length": _PDF_MAX_STREAM,
    "jbig2_maximum_output_length": _PDF_MAX_STREAM,
    "image_maximum_buffer_size": _PDF_MAX_STREAM,
    "stream_decoding_work_maximum_length": 4 * _PDF_MAX_STREAM,
    "stream_filters_maximum_length": 4,
    "array_maximum_element_count": 50_000,
    "dictionary_maximum_element_count": 10_000,
    "jbig2dec_binary": None,  # never run an outside program on an upload
}
_PDF_OBJECT_HEADER = re.compile(rb"(?<![0-9])([0-9]{1,10})[\x00\t\n\x0c\r ]+([0-9]{1,5})[\x00\t\n\x0c\r ]+obj(?![A-Za-z])")
_PDF_ROOT = re.compile(rb"/Root[\x00\t\n\x0c\r ]*([0-9]{1,10})[\x00\t\n\x0c\r ]+([0-9]{1,5})[\x00\t\n\x0c\r ]+R")
_PDF_INTEGER = re.compile(rb"[0-9]+")

PDF_TOO_MANY_PAGES = _l(
    "The PDF has more than %(pages)s pages. Please send only the pages needed.", pages=_PDF_MAX_PAGES
)


class _PdfInspection:
    """One pass over every object of a PDF: what pypdf's cross-reference data lists and every
    `N G obj` in the file (a viewer repairing a damaged file finds those too), and the
    objects inside every object stream. Raises UploadError at the first finding."""

    def __init__(self, data: bytes):
        self.data = data
        self.deadline = time.monotonic() + _PDF_MAX_SECONDS
        self.objects = self.pages = self.decoded = 0
        self.automatic: list = []  # values of /OpenAction and /AA entries, resolved at the end
        # Actions and trigger dictionaries packed in object streams, by number: pypdf finds
        # them only through cross-reference streams, a repairing viewer finds them anyway.
        self.packed_actions: dict[int, list[DictionaryObject]] = {}

    def run(self) -> None:
        self.reader = _open_pdf(self.data)
        if self.reader.is_encrypted:
            raise UploadError(PDF_ENCRYPTED)
        self.check(self.reader.trailer)
        listed = {(number, generation): offset for generation, entries in self.reader.xref.items()
                  for number, offset in entries.items() if isinstance(offset, int)}
        found = {match.start() for match in _PDF_OBJECT_HEADER.finditer(self.data)}
        read = set()
        for offset in sorted(found | set(listed.values())):
            self.tick()
            try:
                number, generation, value = self.read_at(offset)
            except LimitReachedError:
                raise
            except Exception:
                continue  # "N G obj" inside other data; listed objects are checked below
            read.add((number, generation))
            self.check(value)
        if set(listed) - read:
            raise UploadError(PDF_UNCHECKABLE)  # a listed object we could not read may hide anything
        self.check_automatic_actions()

    def tick(self) -> None:
        self.objects += 1
        if self.objects > _PDF_MAX_OBJECTS or time.monotonic() > self.deadline:
            raise UploadError(PDF_UNCHECKABLE)

    def read_at(self, offset: int):
        stream = io.BytesIO(self.data)
        stream.seek(offset)
        number, generation = self.reader.read_object_header(stream)
        return number, generation, read_object(stream, self.reader)

    def check(self, value) -> None:
        """Check one object and everything written inside it (not what it refers to: every
        object is checked on its own)."""
        pending = [value]
        while pending:
            value = pending.pop()
            if isinstance(value, NameObject):
                self.check_name(value)
            elif isinstance(value, ArrayObject):
                pending.extend(value)
            elif isinstance(value, DictionaryObject):
                for key, item in dict.items(value):
                    self.check_name(key)
                    pending.append(item)
                self.check_dictionary(value)

    def check_name(self, name) -> None:
        if name in _PDF_FORBIDDEN_NAMES:
            raise UploadError(PDF_ACTIVE_CONTENT)

    def check_dictionary(self, dictionary: DictionaryObject) -> None:
        # dict.get: the value as written (a reference stays a reference, resolved later).
        if dict.get(dictionary, "/Type") == "/Page":
            self.pages += 1
            if self.pages > _PDF_MAX_PAGES:
                raise UploadError(PDF_TOO_MANY_PAGES)
        if "/OpenAction" in dictionary:
            self.automatic.append(dict.get(dictionary, "/OpenAction"))
        if "/AA" in dictionary:
            self.automatic.append(("triggers", dict.get(dictionary, "/AA")))
        if isinstance(dictionary, StreamObject):
            self.check_stream(dictionary)

    def check_stream(self, stream: StreamObject) -> None:
        filters = _resolved(stream, "/Filter")
        filters = [filters] if isinstance(filters, NameObject) else filters if isinstance(filters, ArrayObject) else []
        is_object_stream = _resolved(stream, "/Type") == "/ObjStm"
        is_image = _resolved(stream, "/Subtype") == "/Image" or any(name in _PDF_IMAGE_FILTERS for name in filters)
        if is_image and not is_object_stream:
            return
        try:
            decoded = decode_stream_data(stream)
        except LimitReachedError as error:
            raise UploadError(PDF_UNCHECKABLE) from error
        except Exception as error:
            if is_object_stream:  # its objects would go unread
                raise UploadError(PDF_UNCHECKABLE) from error
            return  # a damaged font or page: nothing in it runs, and no viewer finds objects there
        self.decoded += len(decoded)
        if len(decoded) > _PDF_MAX_STREAM or self.decoded > _PDF_MAX_DECODED:
            raise UploadError(PDF_UNCHECKABLE)
        if is_object_stream:
            self.check_object_stream(stream, decoded)

    def check_object_stream(self, stream: StreamObject, decoded: bytes) -> None:
        """The objects packed in an object stream, at the offsets its header gives."""
        if PDF_ACTIVE.search(decoded):  # the same screen as for the raw bytes
            raise UploadError(PDF_ACTIVE_CONTENT)
        first = _resolved(stream, "/First")
        if not isinstance(first, int) or not 0 <= first <= len(decoded):
            raise UploadError(PDF_UNCHECKABLE)
        numbers = [int(found) for found in _PDF_INTEGER.findall(decoded, 0, first)]
        source = io.BytesIO(decoded)
        for number, offset in zip(numbers[0::2], numbers[1::2]):
            self.tick()
            source.seek(first + offset)
            try:
                member = read_object(source, self.reader)
            except LimitReachedError:
                raise
            except Exception as error:
                raise UploadError(PDF_UNCHECKABLE) from error
            self.check(member)
            if isinstance(member, DictionaryObject) and _may_act(member):
                self.packed_actions.setdefault(number, []).append(member)

    def check_automatic_actions(self) -> None:
        """Follow /OpenAction, /AA and /Next to every action a viewer runs by itself."""
        pending, seen = list(self.automatic), set()
        while pending:
            self.tick()
            value = pending.pop()
            if isinstance(value, tuple):  # an /AA dictionary: trigger -> action
                for triggers in self.resolve(value[1], seen):
                    if isinstance(triggers, DictionaryObject):
                        pending.extend(dict.values(triggers))
                continue
            for action in self.resolve(value, seen):
                if isinstance(action, ArrayObject):
                    # A destination ([page /Fit]) or a list of /Next actions: only dictionaries act.
                    pending.extend(item for item in action if isinstance(item, (DictionaryObject, IndirectObject)))
                elif isinstance(action, DictionaryObject) and "/S" in action:
                    if _resolved(action, "/S") not in _PDF_AUTOMATIC_ACTIONS:
                        raise UploadError(PDF_ACTIVE_CONTENT)
                    if "/Next" in action:
                        pending.append(dict.get(action, "/Next"))

    def resolve(self, value, seen: set) -> list:
        """Every object `value` may stand for: itself, or what a reference leads to (as pypdf
        reads it, and any packed action of that number a repairing viewer might use)."""
        if not isinstance(value, IndirectObject):
            return [value]
        key = (value.idnum, value.generation)
        if key in seen:
            return []
        seen.add(key)
        found = list(self.packed_actions.get(value.idnum, []))
        try:
            found.append(self.reader.get_object(value))
        except LimitReachedError:
            raise
        except Exception:
            pass  # a viewer finds nothing there either
        return found


_PDF_TRIGGERS = frozenset({
    "/O", "/C", "/K", "/F", "/V", "/E", "/X", "/D", "/U", "/Fo", "/Bl",
    "/PO", "/PC", "/PV", "/PI", "/WC", "/WS", "/DS", "/WP", "/DP",
})


def _may_act(dictionary: DictionaryObject) -> bool:
    """An action (it has /S) or a dictionary of triggers (/AA): worth keeping by number."""
    return "/S" in dictionary or (0 < len(dictionary) <= len(_PDF_TRIGGERS) and set(dictionary) <= _PDF_TRIGGERS)


def _resolved(dictionary: DictionaryObject, key: str):
    """`dictionary[key]` with a reference followed, or None when missing or unresolvable."""
    if key not in dictionary:
        return None
    try:
        return dictionary[key]
    except LimitReachedError:
        raise
    except Exception:
        return None


def _open_pdf(data: bytes) -> PdfReader:
    """pypdf's reader of `data`; when the cross-reference data is missing or broken beyond
    pypdf's repair, a table made from every `N G obj` in the file stands in for it, as a
    viewer rebuilds one (the objects are all read by their headers anyway)."""
    try:
        return PdfReader(io.BytesIO(data), strict=False)
    except LimitReachedError:
        raise
    except Exception:
        return PdfReader(io.BytesIO(data + _rebuilt_xref(data, len(data))), strict=False)


def _rebuilt_xref(data: bytes, at: int) -> bytes:
    """A cross-reference table and trailer for the objects found in `data`, to go at offset `at`."""
    entries = {}
    for found in _PDF_OBJECT_HEADER.finditer(data):
        entries[int(found.group(1))] = (found.start(), int(found.group(2)))  # the last one counts
    rows = [b"0 1\n0000000000 65535 f \n"]
    rows += [b"%d 1\n%010d %05d n \n" % (number, offset, generation)
             for number, (offset, generation) in sorted(entries.items())]
    roots = _PDF_ROOT.findall(data)
    root = b" /Root %s %s R" % roots[-1] if roots else b""
    size = max(entries, default=0) + 1
    table = b"\nxref\n" + b"".join(rows)
    return table + b"trailer\n<< /Size %d%s >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, at + 1)


def inspect_pdf(data: bytes) -> None:
    """Read every object of the PDF with pypdf, within limits of size, count and time, and
    refuse active content (`_PDF_FORBIDDEN_NAMES`, automatic actions that leave the document)."""
    with apply_configuration(**_PDF_LIMITS):
        try:
            _PdfInspection(data).run()
        except UploadError:
            raise
        except Exception as error:
            # pypdf's errors (and RecursionError on absurd nesting) all mean "cannot check".
            raise UploadError(PDF_UNCHECKABLE) from error
