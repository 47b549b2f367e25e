"""Safe storage of user uploads: images re-encoded without metadata, PDFs screened.

Files live in `<UPLOAD_FOLDER or instance/uploads>/<area>/<stored_name>`. The area is
chosen by code ("logos", "seller_docs"); the stored name is random and its extension
comes from the content we detected, never from what the client sent. Nothing the client
names is ever used as a path.

Images cost memory when decoded (4 bytes a pixel), not when sent: a 100 kB PNG can claim
40 megapixels. So every kind of upload has a pixel budget (`ImageBudget`, chosen by the
area), checked from the file's header before a pixel is decoded; JPEGs are decoded at a
reduced scale, and nothing is kept larger than the kind needs.

PDFs are screened twice: a cheap look at the raw bytes refuses the obvious, then pypdf
(pinned in requirements.txt; tests/test_uploads.py catches an upgrade that changes what is
read) parses every object, in object streams too, with every stream's filters decoded
under limits of size, count and time.

Read in this order: `limits` (pixel budgets), `errors`, `storage` (areas, names, atomic
writes), `images`, `serving`, `pdf_screen` and `pdf_inspection` (the two looks at a PDF),
`documents`. Callers use the names this package exports.
"""
from market.core.uploads.documents import store_document
from market.core.uploads.errors import UploadError
from market.core.uploads.images import (
    IMAGE_VARIANTS,
    StoredImageSet,
    delete_image_variants,
    store_image,
    store_image_variants,
    variant_name,
)
from market.core.uploads.limits import (
    DOCUMENT_SCAN,
    LOGO,
    OCOP_CERTIFICATE,
    PRODUCT_PHOTO,
    RECEIPT,
    ImageBudget,
    budget_for,
)
from market.core.uploads.serving import send_stored
from market.core.uploads.storage import StoredFile, delete_older_than, delete_stored, stored_path

__all__ = [
    "DOCUMENT_SCAN", "IMAGE_VARIANTS", "LOGO", "OCOP_CERTIFICATE", "PRODUCT_PHOTO", "RECEIPT", "ImageBudget",
    "StoredFile", "StoredImageSet", "UploadError", "budget_for", "delete_image_variants", "delete_older_than",
    "delete_stored",
    "send_stored", "store_document", "store_image", "store_image_variants", "stored_path", "variant_name",
]
