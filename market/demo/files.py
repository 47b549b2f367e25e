"""Stand-ins for the files people upload: a seller's logo, and PDF certificates."""
import io

from PIL import Image, ImageDraw
from werkzeug.datastructures import FileStorage


def logo(text: str, colour: str) -> FileStorage:
    """A simple generated logo: the seller's initials on its colour."""
    image = Image.new("RGB", (256, 256), colour)
    draw = ImageDraw.Draw(image)
    initials = "".join(word[0] for word in text.split()[-2:]).upper()
    draw.text((128, 128), initials, fill="white", anchor="mm", font_size=110)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    return FileStorage(stream=buffer, filename="logo.png", content_type="image/png")


def certificate(text: str, filename: str) -> FileStorage:
    """A small stand-in PDF whose only content is `text` (as ASCII, in a comment)."""
    body = text.encode("ascii", "replace")
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% " + body + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return FileStorage(stream=io.BytesIO(pdf), filename=filename, content_type="application/pdf")
