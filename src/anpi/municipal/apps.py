from django.apps import AppConfig


class MunicipalConfig(AppConfig):
    """安否通知: a city's own LINE account, organizations and teams of watchers;
    a silent person's team is alerted, a watcher claims and visits."""

    name = "anpi.municipal"
    verbose_name = "安否通知（自治体）"

    def ready(self) -> None:
        from django.utils.translation import pgettext_lazy

        from anpi.engine import registry
        from anpi.engine.registry import Action, Param

        from . import ingest, plan, steps

        registry.register_action(
            Action(
                "alert_team",
                steps.alert_team,
                pgettext_lazy("step description", "Tell the watch-over team (a watcher visits)"),
                params={"outcome_deadline": Param("seconds", low=60)},
                alert=True,
                held_in_quiet_hours=True,
            )
        )
        registry.register(
            policy_resolver=plan.team_policies_for,
            event_handler=ingest.handle_team_event,
            order=50,
            lookup_provider=ingest.names_before_transaction,
        )
        registry.register_purpose("group_linked", "チームのグループ登録のお知らせ", on_reply_refused="push")
        registry.register_purpose("invite", "招待コードの結果", on_reply_refused="push")
