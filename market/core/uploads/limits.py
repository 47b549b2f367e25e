"""How large a picture of each kind may be (its pixel budget), and how large we keep it."""
from dataclasses import dataclass


@dataclass(frozen=True)
class ImageBudget:
    """How large a picture of one kind may be, and how large we keep it."""

    max_pixels: int  # pixels decoded: a PNG or WebP as sent, a JPEG after decoding at a reduced scale
    max_side: int  # longest side kept; larger pictures are scaled down

    @property
    def megapixels(self) -> str:
        return f"{self.max_pixels / 1_000_000:g}"


# A picture costs 4 bytes a pixel once decoded, so 16 megapixels is 64 MB for a moment.
# A transfer receipt is a screenshot (1080 × 2400, long ones 1290 × 9000) or a photo.
RECEIPT = ImageBudget(max_pixels=12_000_000, max_side=2560)
# Shown at 1200 px at most (IMAGE_VARIANTS); 16 MP takes a 4000 × 4000 PNG export.
PRODUCT_PHOTO = ImageBudget(max_pixels=16_000_000, max_side=1200)
# Shown small; a designer's 3000 × 3000 PNG still fits.
LOGO = ImageBudget(max_pixels=9_000_000, max_side=1024)
# A4 scanned at 400 dpi is 3307 × 4677 (15.5 MP); kept at 300 dpi (3508 px), still legible.
DOCUMENT_SCAN = ImageBudget(max_pixels=16_000_000, max_side=3508)
OCOP_CERTIFICATE = ImageBudget(max_pixels=16_000_000, max_side=3508)
# Areas are named by the domains (RECEIPT_AREA, PHOTO_AREA, LOGO_AREA, DOCUMENT_AREA,
# CERTIFICATE_AREA); tests/test_uploads.py checks that each still has its budget here.
BUDGET_FOR_AREA = {
    "receipts": RECEIPT,
    "products": PRODUCT_PHOTO,
    "photo-stash": PRODUCT_PHOTO,  # product photos kept while a form is corrected
    "logos": LOGO,
    "seller-documents": DOCUMENT_SCAN,
    "ocop-certificates": OCOP_CERTIFICATE,
}
DEFAULT_BUDGET = RECEIPT  # the smallest, for an area not listed

# A baseline JPEG decodes at 1/2, 1/4 or 1/8 scale for the price of the smaller picture,
# so phone photos of up to 64 MP (50 MP cameras) are fine. A progressive JPEG makes the
# decoder hold every coefficient of the full-size picture (about 3 bytes a pixel) first.
MAX_JPEG_PIXELS = 64_000_000
MAX_PROGRESSIVE_JPEG_PIXELS = 16_000_000


def budget_for(area: str) -> ImageBudget:
    """The pixel budget of the kind of upload stored in `area`."""
    return BUDGET_FOR_AREA.get(area, DEFAULT_BUDGET)

