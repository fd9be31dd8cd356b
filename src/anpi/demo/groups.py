"""Demo data for the group and municipal services, played in the phone simulator.

``seed_groups_demo`` creates, through the real webhook and engine (the web
server at ``web_url`` must be running and wired to the simulator):

- a つながり group 「ひだまりの会」 of four simulated members on ``peer_channel``
  (or on a new NPO tenant): the check went out 23 hours ago, two members
  answered, the two silent ones are named in the group right now, waiting for
  someone to tap 「確認します」;
- a municipal tenant 「厚木市（デモ）」 with its own channel, an organization,
  the team 「中町見守りチーム」, two watchers alerted 1:1, one watched person
  whose alert is waiting for 「対応します」, and an unused invite for the QR code.

Time runs on a FixedClock from 28 hours ago to ``now``, as in anpi.demo.seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from anpi.engine.clock import FixedClock, set_clock
from anpi.engine.plan import following_occurrence
from anpi.engine.worker import run_until_idle
from anpi.groups import actions
from anpi.groups.models import Group, Invite, Team
from anpi.municipal import actions as municipal_actions
from anpi.people.models import Person
from anpi.tenants.models import LineChannel, Membership, Organization, Tenant

from .seed import wire_channel


@dataclass
class GroupsDemoInfo:
    peer_group_id: str
    peer_members: dict[str, str]
    city: Tenant
    city_channel: LineChannel
    team: Team
    watchers: dict[str, str]
    watched: dict[str, str]
    open_invite: Invite
    notes: list[str] = field(default_factory=list)


def _minute(at: datetime, tz: str) -> datetime:
    return at.astimezone(ZoneInfo(tz)).replace(second=0, microsecond=0)


def seed_groups_demo(
    control,
    web_url: str,
    sim_url: str,
    now: datetime,
    *,
    peer_channel: LineChannel | None = None,
    user=None,
) -> GroupsDemoInfo:
    """Seed both services; ``user`` (e.g. the demo login) becomes admin of the city."""
    clock = FixedClock(now - timedelta(hours=28))
    previous = set_clock(clock)

    def work() -> None:
        run_until_idle(clock)

    try:
        # 安否通知: the city, its channel, a team, two watchers, one watched person.
        city = Tenant.objects.create(
            name="厚木市（デモ）",
            slug="city-demo",
            kind="municipal",
            staff_email="city@demo.invalid",
            phone="046-225-1234",  # a made-up number
        )
        if user is not None:
            Membership.objects.get_or_create(tenant=city, user=user, defaults={"role": "admin"})
        city_channel = wire_channel(
            control, city, web_url, sim_url, "厚木市 見守り", basic_id="@anpi-demo"
        )
        org = Organization.objects.create(tenant=city, name="中町地域包括支援センター", kind="包括")
        team = Team.objects.create(tenant=city, organization=org, name="中町見守りチーム")

        def join(name: str, role: str) -> str:
            uid = control.add_user(name)
            control.follow(uid, city_channel.bot_user_id)
            work()
            code = municipal_actions.new_invite(team, role, clock.now(), name).code
            control.text(uid, f"しょうたい {code}", channel_id=city_channel.bot_user_id)
            work()
            return uid

        watchers = {name: join(name, "watcher") for name in ("民生委員 佐藤", "社協 高橋")}
        watched = {"山本はな": join("山本はな", "watched")}
        check_at = _minute(now - timedelta(hours=27, minutes=2), city.timezone)
        person = Person.objects.get(line_user_id=watched["山本はな"], channel=city_channel)
        person.check_time = check_at.time()
        person.schedule_anchor = check_at.date()
        person.next_check_at = following_occurrence(person, clock.now())
        person.save(update_fields=["check_time", "schedule_anchor", "next_check_at"])
        open_invite = municipal_actions.new_invite(team, "watched", clock.now(), "QRのためし")
        clock.set(check_at + timedelta(seconds=1))
        work()  # はなさん's check goes out; she will not answer

        # つながり: a group of four peers on the NPO's channel.
        if peer_channel is None:
            npo = Tenant.objects.create(name="つながりの会（デモ）", slug="peer-demo")
            peer_channel = wire_channel(
                control, npo, web_url, sim_url, "つながり見守り", basic_id="@anpi-peer"
            )
        names = ("山田", "佐藤", "鈴木", "田中")
        members = {n: control.add_user(n) for n in names}
        clock.set(now - timedelta(hours=23, minutes=5))
        group_id = control.create_group(
            "ひだまりの会", list(members.values()), channel_id=peer_channel.bot_user_id
        )
        control.invite_bot(group_id)
        work()
        for n in names:
            control.text(members[n], "さんか", group_id=group_id)
        work()
        group = Group.objects.get(channel=peer_channel, line_group_id=group_id)
        group_at = _minute(now - timedelta(hours=23, minutes=2), peer_channel.tenant.timezone)
        actions.do_save_group_schedule(
            group,
            {
                "schedule_kind": "interval",
                "interval_days": 1,
                "weekdays": "",
                "check_time": group_at.time(),
                "skip_holidays": False,
            },
            clock.now(),
        )
        clock.set(group_at + timedelta(seconds=1))
        work()  # 「みなさん、げんきですか？」
        for n in ("山田", "佐藤"):
            control.tap(members[n], "げんきです", group_id=group_id)
        work()
        clock.set(check_at + timedelta(hours=24, seconds=1))
        work()  # はなさん's re-send
        clock.set(now)
        work()  # 鈴木さん and 田中さん are named; the city's team is alerted
    finally:
        set_clock(previous)
    return GroupsDemoInfo(
        peer_group_id=group_id,
        peer_members=members,
        city=city,
        city_channel=city_channel,
        team=team,
        watchers=watchers,
        watched=watched,
        open_invite=open_invite,
    )
