from django.core.management.base import BaseCommand

from charity.demo.loader import load_demo


class Command(BaseCommand):
    help = "Load the demo charity (projects, pages, settings) built from shared/seeds. Safe to run again."

    def handle(self, *args, **options):
        report = load_demo(log=lambda line: self.stdout.write(f"  {line}"))
        if report.created:
            self.stdout.write(self.style.SUCCESS(f"Demo content loaded ({len(report.created)} objects created)."))
        else:
            self.stdout.write("Demo content already present; nothing changed.")
