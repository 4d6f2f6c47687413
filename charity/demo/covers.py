"""Cover pictures for the demo projects, drawn with Pillow so that no binary lives in git."""

from io import BytesIO

from PIL import Image, ImageDraw

SIZE = (1280, 720)


def draw_cover(colour: tuple[int, int, int]) -> bytes:
    """A warm diagonal gradient in the project's colour with soft circles: decorative, no text."""
    width, height = SIZE
    image = Image.new("RGB", SIZE, colour)
    pixels = image.load()
    light = tuple(min(255, c + 120) for c in colour)
    for y in range(0, height, 4):
        for x in range(0, width, 4):
            t = (x / width + y / height) / 2
            shade = tuple(int(colour[i] * (1 - t) + light[i] * t) for i in range(3))
            for dy in range(4):
                for dx in range(4):
                    pixels[x + dx, y + dy] = shade
    draw = ImageDraw.Draw(image, "RGBA")
    for i, (cx, cy, r) in enumerate([(980, 180, 260), (260, 600, 200), (700, 420, 120)]):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 255, 255, 40 + 15 * i))
    draw.polygon([(560, 250), (640, 330), (720, 250), (690, 210), (640, 235), (590, 210)], fill=(255, 255, 255, 170))
    buffer = BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
