from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "anpi.groups"
    verbose_name = "つながり・安否通知"

    def ready(self) -> None:
        from anpi.engine import hooks, steps

        from . import ingest, plan
        from . import steps as group_steps

        steps.register("group_check", group_steps.group_check)
        steps.register("alert_group", group_steps.alert_group)
        steps.register("alert_team", group_steps.alert_team)
        hooks.register(
            planner=plan.plan_group_checks,
            policy_resolver=plan.team_policies_for,
            event_handler=ingest.handle_group_event,
            lookup_provider=ingest.names_before_transaction,
        )
