"""`anpi richmenu [--channel ID]`: give every LINE channel (or one) the 「げんきです」
rich menu. Idempotent: a channel that already shows the current menu is left alone
(``individual.richmenu.do_setup_rich_menu``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from anpi.engine.clock import get_clock
from anpi.individual.richmenu import RichMenuError, do_setup_rich_menu
from anpi.tenants.actors import Actor
from anpi.tenants.models import LineChannel


class Command(BaseCommand):
    help = "Create and link the 「げんきです」 rich menu of every LINE channel (or one)."

    def add_arguments(self, parser):
        parser.add_argument("--channel", type=int, help="only this channel (its id)")

    def handle(self, *args, **opts):
        channels = LineChannel.objects.order_by("id")
        if opts["channel"] is not None:
            channels = channels.filter(pk=opts["channel"])
            if not channels.exists():
                raise CommandError(f"no LINE channel with id {opts['channel']}")
        actor = Actor.system("anpi richmenu")
        failed = 0
        for channel in channels:
            try:
                outcome = do_setup_rich_menu(channel, actor, get_clock().now())
            except RichMenuError as error:
                failed += 1
                self.stderr.write(f"{channel.name} (#{channel.pk}): {error}")
                continue
            self.stdout.write(f"{channel.name} (#{channel.pk}): {outcome} {channel.rich_menu_id}")
        if failed:
            raise CommandError(f"{failed} channel(s) have no rich menu")
