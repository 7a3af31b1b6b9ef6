from django.core.management.base import BaseCommand

from apps.complaints.workflow import mermaid


class Command(BaseCommand):
    help = "Print the complaint state diagram (Mermaid), generated from the transition table."

    def handle(self, *args, **options):
        self.stdout.write(mermaid())
