from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "anpi.people"
    label = "people"
