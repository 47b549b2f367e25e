"""The refusal of an upload, and its messages for the person who sent it."""
from flask_babel import lazy_gettext as _l

NOT_AN_IMAGE = _l("The file is not a JPEG, PNG or WebP image.")
NOT_A_DOCUMENT = _l("The file is not a JPEG, PNG or PDF document.")
EMPTY_FILE = _l("The file is empty.")
PDF_ACTIVE_CONTENT = _l("The PDF contains active content and cannot be accepted.")
PDF_ENCRYPTED = _l("The PDF is password-protected or encrypted. Please upload a copy without protection.")
PDF_UNCHECKABLE = _l("The PDF could not be checked. Please save it again as a standard PDF and upload that copy.")


def too_many_pixels(megapixels: str):
    """The refusal of a picture over its budget (shown in the visitor's language)."""
    return _l("The image is too large (at most %(pixels)s megapixels).", pixels=megapixels)


class UploadError(Exception):
    """An upload we refuse; `str(error)` is a message for the person who sent it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)

