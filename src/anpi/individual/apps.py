from django.apps import AppConfig


class IndividualConfig(AppConfig):
    """個人見守り: the free individual service, registered with the engine."""

    name = "anpi.individual"
    verbose_name = "個人見守り"

    def ready(self) -> None:
        from anpi.engine import registry

        from . import contact_report, conversation
        from .policy import INDIVIDUAL_DEFAULT

        registry.set_fallback_policy(INDIVIDUAL_DEFAULT)
        registry.register_link("contact_report", contact_report.report_url)
        registry.register(
            event_handler=conversation.handle_individual_event,
            order=900,
            lookup_provider=conversation.profile_before_transaction,
        )
        for name, label in (
            ("greeting", "あいさつ・設定リンク"),
            ("settings_link", "設定リンク"),
            ("contact_confirm", "緊急連絡先の確認依頼"),
            ("contact_answer", "緊急連絡先の回答のお知らせ"),
            ("contact_linked", "緊急連絡先のLINE連携のお知らせ"),
            ("registered", "設定完了のお知らせ"),
            ("language_set", "話す言葉の変更のお知らせ"),
        ):
            registry.register_purpose(name, label, on_reply_refused="push")
        registry.register_purpose("help", "使い方の案内", on_reply_refused="drop")
