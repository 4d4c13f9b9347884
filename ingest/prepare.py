"""Page preparation before OCR: lift red seals and stamps off the page.

Vietnamese records are signed under a red round seal that covers the signing authority and the
signer's name; Tesseract reads the seal's ring and star as text and loses the lines beneath
(on a real last page it read neither `CHỦ TỊCH` nor the signer). In the red channel red ink is
as light as the paper while black and blue ink stay dark, so a page with red on it is read from
its red channel. Yellowed paper comes out lighter that way too. Pages without red are left as
they are. What was applied is returned, so it can be recorded with the page.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

RED_MARGIN = 30  # how much redder than green and blue a pixel must be to count as red ink
RED_SHARE = 0.0005  # a page is treated when this share of its pixels is red ink


def drop_red_ink(path: Path) -> list[str]:
    """Rewrite the page image at `path` as its red channel if it carries red ink; the list of
    steps applied (`["drop-red"]` or `[]`)."""
    with Image.open(path) as image:
        if image.mode != "RGB":
            return []
        pixels = np.asarray(image, dtype=np.int16)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    reddish = (red - np.maximum(green, blue)) > RED_MARGIN
    if reddish.mean() < RED_SHARE:
        return []
    Image.fromarray(pixels[..., 0].astype(np.uint8)).save(path, format="PPM")
    return ["drop-red"]
