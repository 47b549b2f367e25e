"""Documents: a JPEG or PNG scan (stored as an image) or a PDF that passes both looks."""
from market.core.uploads.errors import NOT_A_DOCUMENT
from market.core.uploads.images import DOCUMENT_IMAGE_FORMATS, store_image_data
from market.core.uploads.limits import ImageBudget, budget_for
from market.core.uploads.pdf_screen import PDF_HEADER, screen_pdf_bytes
from market.core.uploads.storage import PDF_TYPE, StoredFile, display_name, read_upload, write_new


def store_document(
    file, area: str, max_bytes: int = 10 * 1024 * 1024, budget: ImageBudget | None = None
) -> StoredFile:
    """Store an uploaded document: a JPEG or PNG image (as `store_image`) or a PDF.

    A PDF is kept byte for byte once it passes `_check_pdf`. Raises UploadError otherwise.
    """
    data = read_upload(file, max_bytes)
    filename = getattr(file, "filename", None)
    if PDF_HEADER.search(data, 0, 1024):
        _check_pdf(data)
        return StoredFile(write_new(area, ".pdf", data), PDF_TYPE, len(data), display_name(filename))
    budget = budget or budget_for(area)
    return store_image_data(data, area, DOCUMENT_IMAGE_FORMATS, NOT_A_DOCUMENT, budget, filename)


def _check_pdf(data: bytes) -> None:
    """Refuse a PDF that is cut short, encrypted, too large to check, or holds active content.

    First a cheap screen of the raw bytes (`screen_pdf_bytes`), then pypdf reads every
    object (`inspect_pdf`).
    """
    screen_pdf_bytes(data)
    # pypdf (some 9 MB per worker) loads at the first PDF uploaded, not in every worker.
    from market.core.uploads.pdf_inspection import inspect_pdf

    inspect_pdf(data)

