"""`anpi createtenant NAME SLUG --kind npo|municipal --admin-email E [--phone N]`.

Creates the tenant and an invite for its first tenant admin; prints the invite
URL (the same link is e-mailed to the admin). The admin follows it, sets a
password and enrols TOTP (tenants.staff, dashboard/views/account.py).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email, validate_slug
from django.utils import timezone

from anpi.tenants import staff
from anpi.tenants.actors import Actor
from anpi.tenants.models import Tenant


class Command(BaseCommand):
    help = "Create a tenant and invite its first tenant admin by e-mail (prints the link)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the organization's name, e.g. みまもりNPO")
        parser.add_argument("slug", help="short name: letters, digits, hyphens")
        parser.add_argument("--kind", choices=["npo", "municipal"], default="npo")
        parser.add_argument("--admin-email", required=True, help="the first tenant admin")
        parser.add_argument(
            "--phone", default="", help="the number contacts call (every alert to them gives it)"
        )

    def handle(self, *args, **opts):
        try:
            validate_slug(opts["slug"])
            validate_email(opts["admin_email"])
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        if Tenant.objects.filter(slug=opts["slug"]).exists():
            raise CommandError(f"a tenant with the slug {opts['slug']!r} exists already")
        tenant, issued = staff.do_create_tenant(
            opts["name"],
            opts["slug"],
            opts["kind"],
            opts["admin_email"],
            Actor.system("anpi createtenant"),
            timezone.now(),
            phone=opts["phone"],
        )
        hours = int(staff.INVITE_LIFETIME.total_seconds() // 3600)
        self.stdout.write(f"Created tenant {tenant.name} ({tenant.slug}, {tenant.kind}).")
        self.stdout.write(
            f"Invite for the first tenant admin {issued.invite.email} "
            f"(works once, for {hours} hours):"
        )
        self.stdout.write(issued.url)
        if issued.mailed:
            self.stdout.write(f"It was e-mailed to {issued.invite.email}.")
        elif issued.mailed is False:
            self.stdout.write(
                "The invite e-mail could NOT be sent (see the warning above; check "
                "ANPI_EMAIL_*): give the link to them yourself."
            )
        else:  # inside an outer transaction: the mail goes when it commits
            self.stdout.write("It is e-mailed when the transaction commits.")
