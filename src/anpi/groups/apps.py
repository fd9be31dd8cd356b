from django.apps import AppConfig


class GroupsConfig(AppConfig):
    """つながり: the bot in a LINE group checks each member, and a silent member
    is named in the group for a peer to claim. Also home of the alert machinery
    (claims and outcomes) and of the team models that 安否通知 builds on."""

    name = "anpi.groups"
    verbose_name = "つながり"

    def ready(self) -> None:
        from django.utils.translation import pgettext_lazy

        from anpi.engine import registry
        from anpi.engine.registry import Action, Param

        from . import ingest, plan, steps

        outcome_deadline = Param("seconds", low=60)
        registry.register_action(
            Action(
                "group_check",
                steps.group_check,
                pgettext_lazy("step description", "Send the safety check to the group"),
                first=True,
            )
        )
        registry.register_action(
            Action(
                "alert_group",
                steps.alert_group,
                pgettext_lazy("step description", "Tell the group (a member goes to see)"),
                params={"outcome_deadline": outcome_deadline},
                alert=True,
                held_in_quiet_hours=True,
            )
        )
        if plan.group_sizes not in registry.chat_size_providers:
            registry.chat_size_providers.append(plan.group_sizes)
        registry.register_alarm(
            registry.Alarm("alert", steps.all_clear_message, steps.describe_chat)
        )
        registry.on_incident_closed(steps.close_alerts_of_incident)
        registry.register(
            planner=plan.plan_group_checks,
            event_handler=ingest.handle_group_event,
            order=100,
            lookup_provider=ingest.names_before_transaction,
        )
        for name, label in (
            ("group_check", "グループへの安否確認"),
            ("alert", "見守りの通知（確認のお願い）"),
            ("alert_claimed", "対応者のお知らせ"),
            ("settings_saved", "グループの設定完了のお知らせ"),
            ("greeting", "あいさつ・設定リンク"),
            ("settings_link", "設定リンク"),
        ):
            registry.register_purpose(name, label, on_reply_refused="push")
