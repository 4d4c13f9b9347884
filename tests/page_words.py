"""Word boxes as Tesseract reports them, for layout and metadata tests that need no OCR."""

from __future__ import annotations

WIDTH, HEIGHT = 2480, 3508
LETTER = 40


def line_words(number: int, y: int, *runs: tuple[int, str], conf: float = 0.95) -> list[dict]:
    """One OCR line at height `y`: each run is (left x, text), its words laid out left to right
    with a letter-sized gap between them, as Tesseract reports them."""
    words = []
    for x, text in runs:
        for token in text.split():
            width = 22 * len(token)
            words.append(
                {
                    "text": token,
                    "box": [x, y, width, LETTER],
                    "conf": conf,
                    "line": number,
                    "par": [1, number],
                }
            )
            x += width + 18
    return words


def administrative_page() -> list[dict]:
    """A one-page record as Tesseract reads it: header columns merged into single lines."""
    rows = [
        ((300, "ỦY BAN NHÂN DÂN"), (1150, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")),
        ((300, "TỈNH QUẢNG NGÃI"), (1350, "Độc lập - Tự do - Hạnh phúc")),
        ((300, "Số: 299/UBND-TTHC"), (1250, "Quảng Ngãi, ngày 15 tháng 01 năm 2025")),
        ((260, "V/v công bố Danh mục TTHC"),),
    ]
    words = []
    for number, runs in enumerate(rows):
        words += line_words(number, 250 + 70 * number, *runs)
    body = [
        "Thực hiện nội dung các Quyết định số 1743/QĐ-BGTVT của Bộ trưởng Bộ Giao thông",
        "vận tải về việc công bố thủ tục hành chính được ban hành mới, sửa đổi, bổ sung",
    ]
    for offset, text in enumerate(body):
        words += line_words(10 + offset, 1100 + 70 * offset, (320, text))
    foot = [
        ((320, "Nơi nhận:"), (1500, "TL. CHỦ TỊCH")),
        ((320, "- Như trên;"), (1450, "CHÁNH VĂN PHÒNG")),
        ((320, "- Lưu: VT, TTHC."),),
    ]
    for offset, runs in enumerate(foot):
        words += line_words(20 + offset, 2500 + 70 * offset, *runs)
    words += line_words(30, 3000, (1480, "Nguyễn Quốc Việt"))
    return words
