"""Draw Between's icons into static/icons/ (the files are committed; run this after a change).

One simple mark in the colours of static/css/between.css: two pale bars on the accent blue with
a dot between them. PNGs for the web app manifest (192 and 512, and a maskable 512 whose mark
keeps inside the central 80% safe zone), the home-screen icon iOS asks for (180), the favicon
(16, 32 and 48 in one .ico) and the same mark as SVG. Pillow comes with matplotlib and WeasyPrint.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

ACCENT = "#1d5f8a"  # --accent
PAPER = "#fbfaf7"  # --bg

# The mark on a 100 x 100 grid: (x, y, width, height) of the two bars, and the dot's centre and radius.
BARS = ((22, 22, 16, 56), (62, 22, 16, 56))
DOT = (50, 50, 7)


def _draw(size, *, maskable=False):
    from PIL import Image, ImageDraw

    scale = 4  # drawn large and scaled down, for smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        # Full bleed: the platform cuts its own shape; the mark shrinks into the safe zone.
        draw.rectangle((0, 0, big, big), fill=ACCENT)
        unit, offset = big * 0.7 / 100, big * 0.15
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.18, fill=ACCENT)
        unit, offset = big / 100, 0

    def at(value):
        return offset + value * unit

    for x, y, w, h in BARS:
        draw.rounded_rectangle((at(x), at(y), at(x + w), at(y + h)), radius=w * unit / 2, fill=PAPER)
    cx, cy, r = DOT
    draw.ellipse((at(cx - r), at(cy - r), at(cx + r), at(cy + r)), fill=PAPER)
    return image.resize((size, size), Image.LANCZOS)


def _svg():
    bars = "".join(
        f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{w / 2:g}" fill="{PAPER}"/>' for x, y, w, h in BARS
    )
    cx, cy, r = DOT
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        f'<rect width="100" height="100" rx="18" fill="{ACCENT}"/>{bars}'
        f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{PAPER}"/></svg>\n'
    )


class Command(BaseCommand):
    help = "Draw the app icons, favicon and manifest icons into static/icons/."

    def handle(self, *args, **options):
        folder = Path(settings.BASE_DIR) / "static" / "icons"
        folder.mkdir(parents=True, exist_ok=True)
        for name, size, maskable in (
            ("icon-192.png", 192, False),
            ("icon-512.png", 512, False),
            ("icon-maskable-512.png", 512, True),
            ("apple-touch-icon.png", 180, True),  # iOS rounds the corners itself
        ):
            _draw(size, maskable=maskable).save(folder / name, optimize=True)
        _draw(48).save(folder / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
        (folder / "icon.svg").write_text(_svg())
        self.stdout.write(f"Icons written to {folder}")
