import time

from django.core.management.base import BaseCommand, CommandError

from donations.receipts import fonts


class Command(BaseCommand):
    help = (
        "Build the Chinese fonts that receipt PDFs embed (var/fonts/, from Debian's fonts-noto-cjk) if missing: the "
        "GB 2312 font, otherwise built by the first receipt (~5 s), and the GBK slices, built only here (~40 s)."
    )

    def handle(self, *args, **options):
        try:
            for font in fonts.PREPARED_FONTS:
                existed = fonts.prepared_path(font).is_file()
                start = time.perf_counter()
                path = fonts.ensure_prepared(font, build=True)
                verb = "Using existing" if existed else f"Built in {time.perf_counter() - start:.1f} s:"
                self.stdout.write(f"{verb} {font.family} {path}")
        except fonts.FontUnavailable as error:
            raise CommandError(str(error)) from error
