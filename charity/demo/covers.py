"""Cover pictures for the demo projects, drawn with Pillow so that no binary lives in git."""

from io import BytesIO

from PIL import Image, ImageDraw

SIZE = (1280, 720)


def draw_cover(colour: tuple[int, int, int]) -> bytes:
    """A diagonal gradient in the project's colour with soft circles and a heart: decorative, no text."""
    light = tuple(min(255, c + 120) for c in colour)
    # Draw the gradient on a tiny canvas and let the resampler smooth it: fast and band-free.
    small = Image.new("RGB", (16, 9))
    for y in range(9):
        for x in range(16):
            t = (x / 15 + y / 8) / 2
            small.putpixel((x, y), tuple(int(colour[i] * (1 - t) + light[i] * t) for i in range(3)))
    image = small.resize(SIZE, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image, "RGBA")
    for i, (cx, cy, r) in enumerate([(980, 180, 260), (260, 600, 200), (700, 420, 120)]):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 255, 255, 40 + 15 * i))
    draw.polygon([(560, 250), (640, 330), (720, 250), (690, 210), (640, 235), (590, 210)], fill=(255, 255, 255, 170))
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
