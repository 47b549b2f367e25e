"""Text helpers shared by matching, search and sorting."""
import unicodedata


def fold(text: str) -> str:
    """Fold Vietnamese (or any) text to a plain key for matching, search and sorting.

    NFKD-decomposes, case-folds, drops combining marks (tones and vowel marks),
    maps đ/Đ to d, collapses runs of whitespace to one space and strips:
    fold("ĐÀ LẠT") == "da lat", and fold(fold(s)) == fold(s).
    """
    # casefold (not lower) so ß/ﬁ-style letters match their plain spelling too.
    text = unicodedata.normalize("NFKD", text).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    # đ is a letter of its own in Unicode, not d + a mark, so NFKD leaves it.
    return " ".join(text.replace("đ", "d").split())
